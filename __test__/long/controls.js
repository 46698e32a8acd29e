'use strict'
// The scenario suite's controls, run past the detectors' settling minute:
// `npm test` runs them for 30 s, inside it, where a span that starts needs
// 1 MiB of growth; here each runs for two minutes, so a minute of it is
// judged by the rules a running service meets. Every control must stay
// quiet, and an HTTP control must have served its load.
//   npm run test:long   (run by .ci/run before npm test)

const assert = require('node:assert/strict')
const path = require('node:path')
const { describe, test } = require('node:test')
const { cases } = require('../scenarios/cases')
const { createLimiter, lastJsonLine, runNode } = require('../../scripts/spawn')

/** How long each control runs: the settling minute, then a minute judged by the strict rules. */
const CONTROL_MS = 120_000
/** Controls mostly sleep between timer ticks; churning ones use a core while they run. */
const AT_ONCE = 5

const runner = path.join(__dirname, '..', 'scenarios', 'run.js')
const controls = cases.filter((c) => !c.expect)
const limit = createLimiter(AT_ONCE)
const runs = new Map(controls.map((c) => [c.id, limit(() => runNode([runner, c.id, '250', String(CONTROL_MS)], { timeoutMs: CONTROL_MS + 60_000 }))]))

describe('controls past the settling minute', () => {
  for (const control of controls) {
    test(`${control.id}: quiet for ${CONTROL_MS / 1000} s`, async () => {
      const { code, stdout, stderr } = await runs.get(control.id)
      assert.equal(code, 0, stderr)
      const result = lastJsonLine(stdout)
      assert.deepEqual(result.reports, [], 'a control must stay quiet')
      // Sampled all along: at 250 ms, two minutes are ~480 samples.
      assert.ok(result.stats.samples >= 0.8 * (CONTROL_MS / 250), `ran only ${result.stats.samples} samples`)
      // An HTTP control judged without load proves nothing.
      if (control.workload.startsWith('service:')) assert.ok(result.served >= 10_000, `the load never ran: ${result.served} requests answered`)
    })
  }
})
