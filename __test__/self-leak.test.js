'use strict'
// leakguard does not leak itself: 30,000 start/track/stop cycles (after 6,000
// to warm up), in a child process per configuration, measured after full GCs.

const assert = require('node:assert/strict')
const path = require('node:path')
const { test } = require('node:test')
const { lastJsonLine, runNode } = require('../scripts/spawn')

const MB = 1024 * 1024
const fixture = path.join(__dirname, 'fixtures', 'start-stop-cycles.js')

for (const [listeners, track] of [['on', 'on'], ['off', 'on'], ['on', 'off'], ['off', 'off']]) {
  test(`start()/stop() with listeners ${listeners}, tracking ${track}: memory stays flat`, async () => {
    const { code, stdout, stderr } = await runNode([fixture, listeners, track], { timeoutMs: 120_000 })
    assert.equal(code, 0, stderr)
    const { per10k, total } = lastJsonLine(stdout)
    const shown = JSON.stringify({ per10k, total })
    // What a leak would show: growth with the number of cycles.
    assert.ok(per10k.rssOutsideYoung < 2 * MB, `RSS outside the young generation grows ${(per10k.rssOutsideYoung / MB).toFixed(2)} MB per 10,000 cycles: ${shown}`)
    assert.ok(per10k.native < 0.5 * MB, `native memory grows ${(per10k.native / MB).toFixed(2)} MB per 10,000 cycles: ${shown}`)
    // V8 sizes its young generation to the allocation rate: a step or two of
    // a few MB, never growth with the cycles.
    assert.ok(per10k.rss < 4 * MB, `RSS grows ${(per10k.rss / MB).toFixed(2)} MB per 10,000 cycles: ${shown}`)
    assert.ok(total.young <= 8 * MB, `the young generation grew ${(total.young / MB).toFixed(2)} MB: ${shown}`)
  })
}
