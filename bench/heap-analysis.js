'use strict'
// Heap snapshot analysis against memlab, on generated snapshots of a process
// (bench/synthetic-snapshot.js): a base of ~245 MB and a target of ~250 MB
// and 3.55 M nodes with a leak in it. Each tool reads the base for its ids,
// the target whole with dominators and retained sizes, and ranks what is
// new by class, in a fresh process; time and peak RSS are its own. memlab
// (@memlab/heap-analysis) is installed into bench/.memlab on first use,
// never as a dependency of the package.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { runNode } = require('../scripts/spawn')
const { median, row } = require('./harness')
const { writeSyntheticSnapshot } = require('./synthetic-snapshot')

const BODY_NODES = 3_450_000
const LEAKED = 50_000
const ROUNDS = 3
const MEMLAB_DIR = path.join(__dirname, '.memlab')
const SUBJECT = path.join(__dirname, 'heap-analysis-subject.js')

/** Installs memlab's analysis package for the bench; returns null or why it is unavailable. */
function ensureMemlab() {
  if (fs.existsSync(path.join(MEMLAB_DIR, 'node_modules', '@memlab', 'heap-analysis', 'package.json'))) return null
  fs.mkdirSync(MEMLAB_DIR, { recursive: true })
  if (!fs.existsSync(path.join(MEMLAB_DIR, 'package.json'))) fs.writeFileSync(path.join(MEMLAB_DIR, 'package.json'), '{ "private": true }\n')
  const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '@memlab/heap-analysis@2'], {
    cwd: MEMLAB_DIR,
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' },
    encoding: 'utf8',
    timeout: 600_000,
  })
  if (npm.status !== 0) return `npm install @memlab/heap-analysis failed: ${(npm.stderr || npm.error || '').toString().trim().split('\n').pop()}`
  return null
}

async function measure(tool, base, target) {
  const args = tool === 'memlab' ? ['--max-old-space-size=16384', SUBJECT, tool, base, target] : [SUBJECT, tool, base, target]
  const { code, stdout, stderr } = await runNode(args, { timeoutMs: 900_000 })
  if (code !== 0) throw new Error(`${tool} failed: ${stderr.trim().split('\n').slice(-3).join(' | ')}`)
  return JSON.parse(stdout.trim().split('\n').pop())
}

const mib = (b) => `${(b / 1048576).toFixed(0)} MiB`

module.exports = async function heapAnalysis() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-analysis-bench-'))
  try {
    const base = path.join(dir, 'base.heapsnapshot')
    const target = path.join(dir, 'target.heapsnapshot')
    writeSyntheticSnapshot(base, { bodyNodes: BODY_NODES })
    const info = writeSyntheticSnapshot(target, { bodyNodes: BODY_NODES, leaked: LEAKED, target: true })
    const sizes = `target ${mib(info.bytes)}, ${(info.nodes / 1e6).toFixed(2)} M nodes, ${(info.edges / 1e6).toFixed(1)} M edges`
    const why = ensureMemlab()
    const ours = []
    const theirs = []
    for (let r = 0; r < ROUNDS; r++) {
      ours.push(await measure('leakguard', base, target))
      if (!why) theirs.push(await measure('memlab', base, target))
    }
    const found = ours[0].top.map(([name, count]) => `${name} +${count.toLocaleString('en')}`).join(', ')
    const rows = []
    if (why) {
      rows.push(row('load + dominators + diff, leakguard', median(ours.map((o) => o.ms)), 'ms', undefined, undefined, `memlab unavailable: ${why}`))
      rows.push(row('peak RSS, leakguard', median(ours.map((o) => o.maxRssBytes)) / 1048576, 'MiB'))
      return rows
    }
    rows.push(row('load + dominators + diff, leakguard', median(ours.map((o) => o.ms)), 'ms', 'memlab', median(theirs.map((o) => o.ms)), `${sizes}; top: ${found}`))
    rows.push(row('peak RSS, leakguard', median(ours.map((o) => o.maxRssBytes)) / 1048576, 'MiB', 'memlab', median(theirs.map((o) => o.maxRssBytes)) / 1048576, `${ROUNDS} rounds each, medians`))
    return rows
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
