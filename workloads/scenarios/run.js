'use strict'
// Runs one scenario case under leakguard and prints what was reported, as
// JSON on the last line of stdout. Leak cases stop at the first report of
// their kind; controls run for their whole duration.
//   node workloads/scenarios/run.js <case-id> [intervalMs] [samples]
// (samples: a control runs until the guard has taken this many, however
// long a starved machine makes that, and has judged it for a minute past the
// settling minute, which a starved thread's own clock makes longer; default:
// its case's duration)

const leakguard = require('../..')
const { cases } = require('./cases')
const { services, servedRequests } = require('./services')
const { workloads } = require('./workloads')

const [id, intervalArg, samplesArg] = process.argv.slice(2)
const scenario = cases.find((c) => c.id === id)
if (!scenario) throw new Error(`unknown scenario '${id}'`)
const intervalMs = Number(intervalArg || 250)
const untilSamples = samplesArg ? Number(samplesArg) : null
const durationMs = untilSamples ? untilSamples * intervalMs : scenario.durationMs
/** How long a control is judged past the settling minute at least. */
const JUDGED_MS = 60_000
/** A control that has not been judged that long by then ends anyway, and says so (before its parent's 3 × duration kill). */
const GIVE_UP_MS = 2.5 * durationMs

const started = Date.now()
const reports = []
let stopWorkload = null
let guard = null

function finish() {
  if (stopWorkload) stopWorkload()
  const stats = guard.stats()
  guard.stop()
  const { samples, forcedGcs, memory, settledAt } = stats
  const judgedMs = settledAt === null ? 0 : Date.now() - settledAt
  process.stdout.write(`${JSON.stringify({ id, expect: scenario.expect, intervalMs, reports, served: servedRequests(), settledAfterMs: settledAt === null ? null : settledAt - started, judgedMs, stats: { samples, forcedGcs, memory } })}\n`)
  process.exit(0)
}

function record(report, thread) {
  reports.push({ kind: report.kind, thread, afterMs: Date.now() - started, growthPerMinute: report.growthPerMinute, message: report.message })
  if (scenario.expect && report.kind === scenario.expect) setImmediate(finish)
}

guard = leakguard.start({ intervalMs, onLeak: (report) => record(report, 'main') })
process.on('leakguard:worker-report', (report) => record(report, 'worker'))
const [group, name] = scenario.workload.includes(':') ? scenario.workload.split(':') : ['workloads', scenario.workload]
// The load outlasts the run (it is stopped with the workload).
const params = { ...scenario.params, intervalMs, loadMs: 3 * durationMs + 5000 }
stopWorkload = group === 'service' ? services[name](params) : workloads[name](params)
if (untilSamples) {
  const judgedLongEnough = ({ samples, settledAt }) => samples >= untilSamples && settledAt !== null && Date.now() - settledAt >= JUDGED_MS
  const poll = setInterval(() => (judgedLongEnough(guard.stats()) || Date.now() - started > GIVE_UP_MS) && (clearInterval(poll), finish()), intervalMs)
} else setTimeout(finish, durationMs)
