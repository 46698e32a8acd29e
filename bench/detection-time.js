'use strict'
// Time to first report of each leak scenario at intervalMs 250, as the median
// of three runs, against the shortest possible: warm-up plus the minimum
// window, (8 + 24) samples × 250 ms = 8 s.

const path = require('node:path')
const { createLimiter, lastJsonLine, runNode } = require('../__test__/helpers/spawn')
const { median, row } = require('./harness')

const SCENARIOS = [
  ['global-array', '~400 KB/s heap'],
  ['retained-closures', '~400 KB/s heap'],
  ['unbounded-cache', 'heap'],
  ['slow-heap', '~20 KB/s heap'],
  ['retained-buffers', '~3 MB/s external'],
  ['native-addon', '~3 MB/s native'],
  ['listener-leak', '20 listeners/s'],
]
const FLOOR_MS = (8 + 24) * 250

module.exports = async function detectionTime() {
  const runScript = path.join(__dirname, '..', '__test__', 'scenarios', 'run.js')
  const limit = createLimiter(3)
  const runs = SCENARIOS.flatMap(([name]) => [0, 1, 2].map(() => limit(() => runNode([runScript, name, '250']))))
  const results = await Promise.all(runs)
  return SCENARIOS.map(([name, what], i) => {
    const times = results.slice(i * 3, i * 3 + 3).map((r) => {
      const out = lastJsonLine(r.stdout)
      const first = out.reports.find((rep) => rep.kind === out.expect)
      return first ? first.afterMs : NaN
    })
    return row(`${name} (${what})`, median(times), 'ms', 'the 8 s floor', FLOOR_MS, `runs: ${times.map((t) => (t / 1000).toFixed(1)).join(', ')} s`)
  })
}
