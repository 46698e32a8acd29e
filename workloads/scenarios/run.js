'use strict'
// Runs one scenario case under leakguard and prints what was reported, as
// JSON on the last line of stdout. Leak cases stop at the first report of
// their kind; controls run for their whole duration. Both are counted in
// the guard's samples, not by a clock: a starved machine takes longer to
// reach them, and judges no less.
//   node workloads/scenarios/run.js <case-id> [intervalMs] [samples]
// (samples: how many the case may take; default: its case's duration at
// intervalMs. Given, a control also runs until it has been judged for a
// minute past the settling minute, which a starved thread's own clock makes
// longer.)

const leakguard = require('../..')
const { cases } = require('./cases')
const { services, servedRequests } = require('./services')
const { workloads } = require('./workloads')

const [id, intervalArg, samplesArg] = process.argv.slice(2)
const scenario = cases.find((c) => c.id === id)
if (!scenario) throw new Error(`unknown scenario '${id}'`)
const intervalMs = Number(intervalArg || 250)
const untilSamples = samplesArg ? Number(samplesArg) : Math.round(scenario.durationMs / intervalMs)
const durationMs = untilSamples * intervalMs
/** With a sample count given (test:long's controls), how long a case is judged past the settling minute at least. */
const JUDGED_MS = samplesArg ? 60_000 : 0
/** A case that has not got that far by then ends anyway, and says so (before its parent's 3 × duration kill). */
const GIVE_UP_MS = 2.5 * durationMs

const started = Date.now()
const reports = []
let stopWorkload = null
let guard = null

/** Whether the run ended because it could not take its samples in time. */
let gaveUp = false

/**
 * Every 20th sample, and whenever a kind's state or the sampler's changes:
 * seconds since start, each kind's judged level (KiB) and state, and the
 * sampler's interval while it runs; its first line says how to read it.
 * Printed with a failing case, it is what a report (or its absence) is
 * read against.
 */
const trail = ['seconds; heap, external and native levels in KiB, each with its state (u: warming up, w: watching, s: suspected, l: leaking, o: off); S: the sampler runs, at that interval']
const STATE_LETTERS = { off: 'o', 'warming-up': 'u', watching: 'w', suspected: 's', leaking: 'l' }
let trailed = { samples: 0, states: '' }
function extendTrail({ samples, memory, allocationSites }) {
  const sampling = allocationSites.active ? ` S${allocationSites.samplingInterval / 1024}K` : ''
  const states = memory.map((k) => STATE_LETTERS[k.state]).join('') + sampling
  if (samples < trailed.samples + 20 && states === trailed.states) return
  trailed = { samples, states }
  const levels = memory.map((k) => `${k.kind[0]}${Math.round(k.baseline / 1024)}${STATE_LETTERS[k.state]}`)
  trail.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${levels.join(' ')}${sampling}`)
}

function finish() {
  if (stopWorkload) stopWorkload()
  const stats = guard.stats()
  guard.stop()
  const { samples, forcedGcs, memory, settledAt } = stats
  const judgedMs = settledAt === null ? 0 : Date.now() - settledAt
  process.stdout.write(`${JSON.stringify({ id, expect: scenario.expect, intervalMs, sampleBudget: untilSamples, gaveUp, reports, served: servedRequests(), trail, settledAfterMs: settledAt === null ? null : settledAt - started, judgedMs, stats: { samples, forcedGcs, memory } })}\n`)
  process.exit(0)
}

function record(report, thread) {
  reports.push({ kind: report.kind, thread, afterMs: Date.now() - started, afterSamples: guard.stats().samples, growthPerMinute: report.growthPerMinute, message: report.message })
  if (scenario.expect && report.kind === scenario.expect) setImmediate(finish)
}

guard = leakguard.start({ intervalMs, onLeak: (report) => record(report, 'main') })
process.on('leakguard:worker-report', (report) => record(report, 'worker'))
const [group, name] = scenario.workload.includes(':') ? scenario.workload.split(':') : ['workloads', scenario.workload]
// The load outlasts the run (it is stopped with the workload).
const params = { ...scenario.params, intervalMs, loadMs: 3 * durationMs + 5000 }
stopWorkload = group === 'service' ? services[name](params) : workloads[name](params)
const judgedLongEnough = ({ samples, settledAt }) => samples >= untilSamples && (JUDGED_MS === 0 || (settledAt !== null && Date.now() - settledAt >= JUDGED_MS))
const poll = setInterval(() => {
  const stats = guard.stats()
  extendTrail(stats)
  if (judgedLongEnough(stats)) finish()
  else if (Date.now() - started > GIVE_UP_MS) {
    gaveUp = true
    finish()
  }
}, intervalMs)
