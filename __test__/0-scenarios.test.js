'use strict'
// The scenario suite (workloads/scenarios/cases.js): each leak is reported
// with its own kind and nothing else; no control reports anything. Every
// case runs in its own process at intervalMs 250, for a number of samples
// (its duration at that interval), not a time: a leak must be reported
// within them, a control must stay quiet through them.
// It is the longest file of npm test (~8 min), and node --test starts files
// in name order: the name sorts it first, so the others run beside it.

const assert = require('node:assert/strict')
const path = require('node:path')
const { describe, test } = require('node:test')
const { cases } = require('../workloads/scenarios/cases')
const { createLimiter, lastJsonLine, runNode } = require('../scripts/spawn')

const runner = path.join(__dirname, '..', 'workloads', 'scenarios', 'run.js')
// Scenarios mostly sleep between timer ticks: four at a time fit two cores.
// The longest start first, so they do not run alone at the end.
const limit = createLimiter(4)
const longestFirst = [...cases].sort((a, b) => b.durationMs - a.durationMs)
const runs = new Map(longestFirst.map((c) => [c.id, limit(() => runNode([runner, c.id, '250'], { timeoutMs: 3 * c.durationMs }))]))

describe('memory scenarios', () => {
  for (const scenario of cases) {
    const title = scenario.expect ? `${scenario.id}: reported as '${scenario.expect}'` : `${scenario.id}: quiet control`
    test(title, async () => {
      const { code, stdout, stderr } = await runs.get(scenario.id)
      assert.equal(code, 0, stderr)
      const result = lastJsonLine(stdout)
      const kinds = result.reports.map((r) => r.kind)
      // A run that could not take its samples (it gives up at 2.5× its duration) fails below on their count.
      const ran = `${result.stats.samples} of ${result.sampleBudget} samples${result.gaveUp ? ', then gave up' : ''}`
      // An HTTP case judged without load proves nothing: the service counts what it answered.
      if (scenario.workload.startsWith('service:')) assert.ok(result.served >= 1000, `the load never ran: ${result.served} requests answered`)
      if (scenario.expect) {
        assert.ok(kinds.includes(scenario.expect), `no '${scenario.expect}' report in ${ran}: ${JSON.stringify(result.reports)}; what the guard saw:\n${result.trail.join('\n')}`)
        assert.deepEqual(kinds.filter((k) => k !== scenario.expect), [], `other kinds reported: ${JSON.stringify(result.reports)}`)
        const report = result.reports.find((r) => r.kind === scenario.expect)
        assert.ok(report.growthPerMinute > 0)
        // The rate reported is the rate injected, within a factor of two
        // (measured: 0.8x to 1.3x across heap, Buffer, native and listener leaks).
        const injected = scenario.params.bytesPerS || scenario.params.perS
        if (injected && scenario.workload !== 'retainedClosures') {
          const ratio = report.growthPerMinute / 60 / injected
          assert.ok(ratio > 0.5 && ratio < 2, `reported ${(report.growthPerMinute / 60).toFixed(0)}/s for ${injected}/s injected`)
        }
        assert.match(report.message, /(grows|growing) .+\/min/)
        if (scenario.workload === 'workerLeak') assert.ok(result.reports.every((r) => r.thread === 'worker'), 'reported inside the worker only')
      } else {
        assert.deepEqual(result.reports, [], 'a control must stay quiet')
        assert.ok(result.stats.samples >= result.sampleBudget, `ran ${ran}`)
      }
    })
  }
})
