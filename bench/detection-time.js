'use strict'
// Time to first report of each leak scenario at intervalMs 250, as the median
// of three runs, against the shortest possible: for memory, warm-up plus the
// minimum window, (8 + 24) samples × 250 ms = 8 s; for listeners (no warm-up,
// counted from when the pair is first tracked), 24 × 250 ms = 6 s.

const path = require('node:path')
const { createLimiter, lastJsonLine, runNode } = require('../scripts/spawn')
const { median, row } = require('./harness')

const MEMORY_FLOOR_MS = (8 + 24) * 250
const LISTENER_FLOOR_MS = 24 * 250
const SCENARIOS = [
  ['global-array', '~400 KB/s heap', MEMORY_FLOOR_MS],
  ['retained-closures', '~400 KB/s heap', MEMORY_FLOOR_MS],
  ['unbounded-cache', 'heap', MEMORY_FLOOR_MS],
  ['slow-heap', '~20 KB/s heap', MEMORY_FLOOR_MS],
  ['retained-buffers', '~3 MB/s external', MEMORY_FLOOR_MS],
  ['native-addon', '~3 MB/s native', MEMORY_FLOOR_MS],
  ['listener-leak', '20 listeners/s', LISTENER_FLOOR_MS],
]

module.exports = async function detectionTime() {
  const runScript = path.join(__dirname, '..', '__test__', 'scenarios', 'run.js')
  const limit = createLimiter(3)
  const runs = SCENARIOS.flatMap(([name]) => [0, 1, 2].map(() => limit(() => runNode([runScript, name, '250']))))
  const results = await Promise.all(runs)
  return SCENARIOS.map(([name, what, floorMs], i) => {
    const times = results.slice(i * 3, i * 3 + 3).map((r) => {
      const out = lastJsonLine(r.stdout)
      const first = out.reports.find((rep) => rep.kind === out.expect)
      return first ? first.afterMs : Infinity
    })
    const shown = times.map((t) => (Number.isFinite(t) ? (t / 1000).toFixed(1) : 'missed')).join(', ')
    return row(`${name} (${what})`, median(times), 'ms', `the ${floorMs / 1000} s floor`, floorMs, `runs: ${shown} s`)
  })
}
