'use strict'
// The scenario suite's controls, run past the detectors' settling minute:
// `npm test` runs them for 30 s, inside it, where a span that starts needs
// 1 MiB of growth (256 KiB for heap growth that rose from the span's
// start); here each runs for two minutes at least, and a minute
// past its own settling minute (a minute of the thread's own time: longer
// when it waits for a core), so a minute of it is judged by the rules a
// running service meets. Every control must stay quiet, and an HTTP
// control must have served its load.
//   npm run test:long   (run by .ci/run before npm test)

const assert = require('node:assert/strict')
const path = require('node:path')
const { describe, test } = require('node:test')
const { cases } = require('../../workloads/scenarios/cases')
const { createLimiter, lastJsonLine, runNode } = require('../../scripts/spawn')

/** Samples each control runs for at 250 ms: two minutes, the settling minute then one judged by the strict rules. */
const CONTROL_SAMPLES = 480
const CONTROL_MS = CONTROL_SAMPLES * 250
/** Controls mostly sleep between timer ticks; churning ones use a core while they run. */
const AT_ONCE = 5

const runner = path.join(__dirname, '..', '..', 'workloads', 'scenarios', 'run.js')
const controls = cases.filter((c) => !c.expect)
const limit = createLimiter(AT_ONCE)
const runs = new Map(controls.map((c) => [c.id, limit(() => runNode([runner, c.id, '250', String(CONTROL_SAMPLES)], { timeoutMs: 3 * CONTROL_MS }))]))

describe('controls past the settling minute', () => {
  for (const control of controls) {
    test(`${control.id}: quiet for ${CONTROL_MS / 1000} s and a minute past its settling`, async (t) => {
      const { code, stdout, stderr } = await runs.get(control.id)
      assert.equal(code, 0, stderr)
      const result = lastJsonLine(stdout)
      t.diagnostic(`settled after ${result.settledAfterMs === null ? 'never' : `${(result.settledAfterMs / 1000).toFixed(1)} s`}, judged ${(result.judgedMs / 1000).toFixed(1)} s, ${result.stats.samples} samples, ${result.stats.forcedGcs} forced pairs`)
      // A report a control should not have made is read against its levels and the sampler's runs.
      assert.deepEqual(result.reports, [], `a control must stay quiet; what the guard saw:\n${result.trail.join('\n')}`)
      // It ends on its sample count, not a clock: a starved run takes longer, never fewer samples.
      assert.ok(result.stats.samples >= CONTROL_SAMPLES, `ended after ${result.stats.samples} samples`)
      // And a minute past its own settling minute, which a starved thread's clock stretches.
      assert.ok(result.judgedMs >= 60_000, `judged for ${result.judgedMs} ms past the settling minute (settled after ${result.settledAfterMs} ms)`)
      // An HTTP control judged without load proves nothing.
      if (control.workload.startsWith('service:')) assert.ok(result.served >= 10_000, `the load never ran: ${result.served} requests answered`)
    })
  }
})
