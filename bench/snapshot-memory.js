'use strict'
// What a heap snapshot costs the process that takes it: the rise of peak
// RSS per byte of heap in use, and the pause, on heaps of small objects
// (the kind leaks build). lib/snapshot/snapshots.js asks for that much headroom
// under the memory limit before it writes one on alert. Linux only (peak
// RSS from /proc).

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { runNode } = require('../scripts/spawn')
const { row } = require('./harness')

const SIZES = [250_000, 500_000]

module.exports = async function snapshotMemory() {
  if (process.platform !== 'linux') return [row('skipped: needs /proc (Linux)', 0, 'ms')]
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-snapshot-bench-'))
  const rows = []
  try {
    for (const objects of SIZES) {
      const { code, stdout, stderr } = await runNode(['--expose-gc', path.join(__dirname, 'snapshot-subject.js'), String(objects), dir], { timeoutMs: 300_000 })
      if (code !== 0) throw new Error(stderr)
      const { heapUsed, rise, pauseMs, bytes } = JSON.parse(stdout.trim())
      const mib = (b) => `${(b / 1048576).toFixed(0)} MiB`
      rows.push(row(`peak RSS rise per heap byte, ${objects.toLocaleString('en')} objects`, rise / heapUsed, '×', undefined, undefined, `heap ${mib(heapUsed)}, rise ${mib(rise)}, file ${mib(bytes)}`))
      rows.push(row(`pause writing it`, pauseMs, 'ms'))
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return rows
}
