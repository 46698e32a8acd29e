'use strict'
// Time to first report of each leak case of the scenario suite at intervalMs
// 250, as the median of three runs, against the shortest possible: for
// memory, warm-up plus the shortest span plus a follow-up block,
// (8 + 44 + 7) samples × 250 ms = 14.75 s; for listeners (no warm-up,
// counted from when the pair is first tracked), 44 × 250 ms = 11 s.
//
// A regression bound: each median is compared with the one recorded in
// BENCHMARKS.md ("Time to first report", read from the file); a case reported more than
// REGRESSION_FACTOR times later, or missed, is named at the end and the
// bench exits 1. The scenario suite in `npm test` only asks for the right
// kind within a generous deadline: how soon is this bench's to hold.

const fs = require('node:fs')
const path = require('node:path')
const { createLimiter, lastJsonLine, runNode } = require('../scripts/spawn')
const { cases } = require('../workloads/scenarios/cases')
const { median, row } = require('./harness')

const MEMORY_FLOOR_MS = (8 + 44 + 7) * 250
const LISTENER_FLOOR_MS = 44 * 250
const RUNS = 3
/** How much later than recorded a median may come before it is a regression. */
const REGRESSION_FACTOR = 1.5
/**
 * The medians recorded in BENCHMARKS.md's "Time to first report" table, in
 * seconds by case id: the table is the one record, read here.
 */
function recordedMedians() {
  const text = fs.readFileSync(path.join(__dirname, '..', 'BENCHMARKS.md'), 'utf8')
  const section = text.slice(text.indexOf('## Time to first report'), text.indexOf('\n## ', text.indexOf('## Time to first report') + 1))
  const medians = {}
  for (const m of section.matchAll(/^\| `([^`]+)`[^|]*\| \w+ \| ([\d.]+) s \|/gm)) medians[m[1]] = Number(m[2])
  return medians
}

module.exports = async function detectionTime() {
  const runScript = path.join(__dirname, '..', 'workloads', 'scenarios', 'run.js')
  // DETECTION_CASES=<regexp> runs the leak cases whose ids match it (all of them when unset).
  const only = process.env.DETECTION_CASES ? new RegExp(process.env.DETECTION_CASES) : null
  const leaks = cases.filter((c) => c.expect && (!only || only.test(c.id)))
  const limit = createLimiter(4)
  const runs = leaks.flatMap((c) => Array.from({ length: RUNS }, () => limit(() => runNode([runScript, c.id, '250'], { timeoutMs: 3 * c.durationMs }))))
  const results = await Promise.all(runs)
  const recorded = recordedMedians()
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
    const recordedS = recorded[c.id]
    if (recordedS === undefined) regressions.push(`${c.id}: no recorded median (add it to BENCHMARKS.md)`)
    else if (!(value <= REGRESSION_FACTOR * recordedS * 1000)) regressions.push(`${c.id}: ${Number.isFinite(value) ? `${(value / 1000).toFixed(1)} s` : 'missed'} against ${recordedS} s recorded`)
    return row(`${c.id} (${c.expect})`, value, 'ms', `the ${floorMs / 1000} s floor`, floorMs, `runs: ${shown} s; recorded ${recordedS} s`)
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
