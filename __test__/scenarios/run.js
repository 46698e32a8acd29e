'use strict'
// Runs one scenario case under leakguard and prints what was reported, as
// JSON on the last line of stdout. Leak cases stop at the first report of
// their kind; controls run for their whole duration.
//   node __test__/scenarios/run.js <case-id> [intervalMs] [durationMs]
// (durationMs: how long a control runs, default its case's)

const leakguard = require('../..')
const { cases } = require('./cases')
const { services, servedRequests } = require('./services')
const { workloads } = require('./workloads')

const [id, intervalArg, durationArg] = process.argv.slice(2)
const scenario = cases.find((c) => c.id === id)
if (!scenario) throw new Error(`unknown scenario '${id}'`)
const intervalMs = Number(intervalArg || 250)
const durationMs = Number(durationArg || scenario.durationMs)

const started = Date.now()
const reports = []
let stopWorkload = null
let guard = null

function finish() {
  if (stopWorkload) stopWorkload()
  const stats = guard.stats()
  guard.stop()
  const { samples, forcedGcs, memory } = stats
  process.stdout.write(`${JSON.stringify({ id, expect: scenario.expect, intervalMs, reports, served: servedRequests(), stats: { samples, forcedGcs, memory } })}\n`)
  process.exit(0)
}

function record(report, thread) {
  reports.push({ kind: report.kind, thread, afterMs: Date.now() - started, growthPerMinute: report.growthPerMinute, message: report.message })
  if (scenario.expect && report.kind === scenario.expect) setImmediate(finish)
}

guard = leakguard.start({ intervalMs, onLeak: (report) => record(report, 'main') })
process.on('leakguard:worker-report', (report) => record(report, 'worker'))
const [group, name] = scenario.workload.includes(':') ? scenario.workload.split(':') : ['workloads', scenario.workload]
const params = { ...scenario.params, intervalMs, loadMs: durationMs + 5000 }
stopWorkload = group === 'service' ? services[name](params) : workloads[name](params)
setTimeout(finish, durationMs)
