'use strict'
// Time to first report of each leak case of the scenario suite at intervalMs
// 250, as the median of three runs, against the shortest possible: for
// memory, warm-up plus the shortest span plus a follow-up block,
// (8 + 44 + 7) samples × 250 ms = 14.75 s; for listeners (no warm-up,
// counted from when the pair is first tracked), 44 × 250 ms = 11 s.

const path = require('node:path')
const { createLimiter, lastJsonLine, runNode } = require('../scripts/spawn')
const { cases } = require('../__test__/scenarios/cases')
const { median, row } = require('./harness')

const MEMORY_FLOOR_MS = (8 + 44 + 7) * 250
const LISTENER_FLOOR_MS = 44 * 250
const RUNS = 3

module.exports = async function detectionTime() {
  const runScript = path.join(__dirname, '..', '__test__', 'scenarios', 'run.js')
  const leaks = cases.filter((c) => c.expect)
  const limit = createLimiter(4)
  const runs = leaks.flatMap((c) => Array.from({ length: RUNS }, () => limit(() => runNode([runScript, c.id, '250'], { timeoutMs: c.durationMs + 60_000 }))))
  const results = await Promise.all(runs)
  return leaks.map((c, i) => {
    const times = results.slice(i * RUNS, (i + 1) * RUNS).map((r) => {
      const out = lastJsonLine(r.stdout)
      const first = out.reports.find((rep) => rep.kind === out.expect)
      return first ? first.afterMs : Infinity
    })
    const floorMs = c.expect === 'listeners' ? LISTENER_FLOOR_MS : MEMORY_FLOOR_MS
    const shown = times.map((t) => (Number.isFinite(t) ? (t / 1000).toFixed(1) : 'missed')).join(', ')
    return row(`${c.id} (${c.expect})`, median(times), 'ms', `the ${floorMs / 1000} s floor`, floorMs, `runs: ${shown} s`)
  })
}
