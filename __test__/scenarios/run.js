'use strict'
// Runs one scenario under leakguard and prints what was reported, as JSON on
// the last line of stdout. Leak scenarios stop at the first report of their
// kind; controls run for their whole duration.
//   node __test__/scenarios/run.js <scenario> [intervalMs] [durationMs]

const path = require('node:path')
const leakguard = require('../..')

const [name, intervalArg, durationArg] = process.argv.slice(2)
const scenario = require(path.join(__dirname, `${name}.js`))
const intervalMs = Number(intervalArg || 250)
const durationMs = Number(durationArg || (scenario.expect ? scenario.maxMs || 30_000 : 20_000))

const started = Date.now()
const reports = []
let stopScenario = null
let guard = null

function finish() {
  if (stopScenario) stopScenario()
  const stats = guard.stats()
  guard.stop()
  process.stdout.write(`${JSON.stringify({ scenario: name, expect: scenario.expect, intervalMs, durationMs, reports, stats })}\n`)
  process.exit(0)
}

guard = leakguard.start({
  intervalMs,
  onLeak(report) {
    reports.push({ kind: report.kind, afterMs: Date.now() - started, severity: report.severity, growthPerMinute: report.growthPerMinute, message: report.message })
    if (scenario.expect && report.kind === scenario.expect) setImmediate(finish)
  },
})
stopScenario = scenario.run()
setTimeout(finish, durationMs)
