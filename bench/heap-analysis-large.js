'use strict'
// A generated snapshot past 16.7 M nodes (where memlab stops: its node
// indexes are 24-bit), analysed with one other snapshot of the same process:
// the time, the peak RSS, and the peak RSS per node of the target.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { runNode } = require('../scripts/spawn')
const { row } = require('./harness')
const { writeSyntheticSnapshot } = require('./synthetic-snapshot')

const BODY_NODES = 17_000_000
const LEAKED = 50_000
/** What the run needs free: about 1.3 GB of disk a file, and ~1.4 GB of memory. */
const DISK_BYTES = 3 * 1024 ** 3
const MEMORY_BYTES = 4 * 1024 ** 3

module.exports = async function heapAnalysisLarge() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-large-bench-'))
  try {
    const free = fs.statfsSync(dir)
    if (free.bavail * free.bsize < DISK_BYTES) return [row('skipped: needs 3 GB of free disk in the temporary directory', 0, 'ms')]
    if (os.freemem() < MEMORY_BYTES) return [row('skipped: needs 4 GB of free memory', 0, 'ms')]
    const base = path.join(dir, 'base.heapsnapshot')
    const target = path.join(dir, 'target.heapsnapshot')
    writeSyntheticSnapshot(base, { bodyNodes: BODY_NODES })
    const info = writeSyntheticSnapshot(target, { bodyNodes: BODY_NODES, leaked: LEAKED, target: true })
    const { code, stdout, stderr } = await runNode([path.join(__dirname, 'heap-analysis-subject.js'), 'leakguard', base, target], { timeoutMs: 900_000 })
    if (code !== 0) throw new Error(stderr)
    const { ms, maxRssBytes, top } = JSON.parse(stdout.trim().split('\n').pop())
    const note = `target ${(info.bytes / 1024 ** 3).toFixed(2)} GiB, ${(info.nodes / 1e6).toFixed(1)} M nodes, ${(info.edges / 1e6).toFixed(1)} M edges; top: ${top.map(([n, c]) => `${n} +${c.toLocaleString('en')}`).join(', ')}`
    return [
      row('load + dominators + diff', ms, 'ms', undefined, undefined, note),
      row('peak RSS', maxRssBytes / 1048576, 'MiB'),
      row('peak RSS per target node', maxRssBytes / info.nodes, 'B'),
    ]
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
