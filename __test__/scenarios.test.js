'use strict'
// Each leak scenario is reported with its own kind; no control reports anything.
// Every scenario runs in its own process at intervalMs 250.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { describe, test } = require('node:test')
const { createLimiter, lastJsonLine, runNode } = require('./helpers/spawn')

const dir = path.join(__dirname, 'scenarios')
const names = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.js') && f !== 'run.js')
  .map((f) => f.slice(0, -3))

// Scenarios mostly sleep between timer ticks: four at a time fit two cores.
const limit = createLimiter(4)
const runs = names.map((name) => limit(() => runNode([path.join(dir, 'run.js'), name, '250'])))

describe('memory scenarios', () => {
  names.forEach((name, i) => {
    const scenario = require(path.join(dir, `${name}.js`))
    const title = scenario.expect ? `${name}: reported as '${scenario.expect}'` : `${name}: quiet control`
    test(title, async () => {
      const { code, stdout, stderr } = await runs[i]
      assert.equal(code, 0, stderr)
      const result = lastJsonLine(stdout)
      const kinds = result.reports.map((r) => r.kind)
      if (scenario.expect) {
        assert.ok(kinds.includes(scenario.expect), `no '${scenario.expect}' report: ${JSON.stringify(result.reports)}`)
        assert.deepEqual(kinds.filter((k) => k !== scenario.expect), [], `other kinds reported: ${JSON.stringify(result.reports)}`)
        const report = result.reports.find((r) => r.kind === scenario.expect)
        assert.ok(report.growthPerMinute > 0)
        assert.match(report.message, /(grows|growing) .+\/min/)
      } else {
        assert.deepEqual(result.reports, [], 'a control must stay quiet')
        assert.ok(result.stats.samples >= 70, `ran only ${result.stats.samples} samples`)
      }
    })
  })
})
