'use strict'
// Time to first report of each leak case of the scenario suite at intervalMs
// 250, as the median of three runs, against the shortest possible: for
// memory, warm-up plus the shortest span plus a follow-up block,
// (8 + 44 + 7) samples × 250 ms = 14.75 s; for listeners (no warm-up,
// counted from when the pair is first tracked), 44 × 250 ms = 11 s.
//
// A regression bound: each median is compared with the one recorded in
// BENCHMARKS.md ("Time to first report"); a case reported more than
// REGRESSION_FACTOR times later, or missed, is named at the end and the
// bench exits 1. The scenario suite in `npm test` only asks for the right
// kind within a generous deadline: how soon is this bench's to hold.

const path = require('node:path')
const { createLimiter, lastJsonLine, runNode } = require('../scripts/spawn')
const { cases } = require('../__test__/scenarios/cases')
const { median, row } = require('./harness')

const MEMORY_FLOOR_MS = (8 + 44 + 7) * 250
const LISTENER_FLOOR_MS = 44 * 250
const RUNS = 3
/** How much later than recorded a median may come before it is a regression. */
const REGRESSION_FACTOR = 1.5
/** Medians recorded in BENCHMARKS.md, in seconds (update both together). */
const RECORDED_S = {
  'heap-5KB/s': 84.4,
  'heap-50KB/s': 35.1,
  'heap-500KB/s': 15.3,
  'heap-5MB/s': 16.3,
  'heap-20KB/s-under-churn': 66.9,
  'closures-20/s': 20.6,
  'late-heap-after-4s': 21.3,
  'late-heap-after-8s': 20.5,
  'late-heap-after-12s': 19.1,
  'heap-50KB/s-under-1MB/s-promoted': 43.3,
  'heap-75KB/s-under-1.5MB/s-promoted': 27.8,
  'heap-100KB/s-under-2MB/s-promoted': 19.5,
  'external-5KB/s': 32.6,
  'external-100KB/s': 16.5,
  'external-3MB/s': 16.5,
  'native-5KB/s': 94.4,
  'native-100KB/s': 16.8,
  'native-3MB/s': 16.8,
  'emitter-listeners-5/s': 15.5,
  'emitter-listeners-20/s': 12.0,
  'emitter-listeners-100/s': 11.3,
  'abort-signal-listeners-5/s': 15.5,
  'abort-signal-listeners-20/s': 12.0,
  'abort-signal-listeners-100/s': 11.3,
  'worker-heap-200KB/s': 22.9,
  'http-keeps-300B-per-request': 16.6,
  'express-keeps-250B-per-request': 16.5,
  'express-session-store-leak': 15.5,
}

module.exports = async function detectionTime() {
  const runScript = path.join(__dirname, '..', '__test__', 'scenarios', 'run.js')
  const leaks = cases.filter((c) => c.expect)
  const limit = createLimiter(4)
  const runs = leaks.flatMap((c) => Array.from({ length: RUNS }, () => limit(() => runNode([runScript, c.id, '250'], { timeoutMs: c.durationMs + 60_000 }))))
  const results = await Promise.all(runs)
  const regressions = []
  const rows = leaks.map((c, i) => {
    const times = results.slice(i * RUNS, (i + 1) * RUNS).map((r) => {
      const out = lastJsonLine(r.stdout)
      const first = out.reports.find((rep) => rep.kind === out.expect)
      return first ? first.afterMs : Infinity
    })
    const floorMs = c.expect === 'listeners' ? LISTENER_FLOOR_MS : MEMORY_FLOOR_MS
    const shown = times.map((t) => (Number.isFinite(t) ? (t / 1000).toFixed(1) : 'missed')).join(', ')
    const value = median(times)
    const recorded = RECORDED_S[c.id]
    if (recorded === undefined) regressions.push(`${c.id}: no recorded median (add it to BENCHMARKS.md and RECORDED_S)`)
    else if (!(value <= REGRESSION_FACTOR * recorded * 1000)) regressions.push(`${c.id}: ${Number.isFinite(value) ? `${(value / 1000).toFixed(1)} s` : 'missed'} against ${recorded} s recorded`)
    return row(`${c.id} (${c.expect})`, value, 'ms', `the ${floorMs / 1000} s floor`, floorMs, `runs: ${shown} s; recorded ${recorded} s`)
  })
  if (regressions.length > 0) {
    // Printed after the table (index.js prints the rows this returns).
    process.once('beforeExit', () => {
      console.log(`\ndetection-time: ${regressions.length} case(s) more than ${REGRESSION_FACTOR}× later than recorded:\n  ${regressions.join('\n  ')}`)
      process.exitCode = 1
    })
  }
  return rows
}
