'use strict'
// `npm run demo` finds both of the demo service's leaks.

const assert = require('node:assert/strict')
const path = require('node:path')
const { test } = require('node:test')
const { runNode } = require('../scripts/spawn')

test('the demo reports its heap, Buffer and listener leaks and exits 0', async () => {
  const { code, stdout, stderr } = await runNode([path.join(__dirname, '..', 'examples', 'demo.js')], { timeoutMs: 60_000 })
  assert.equal(code, 0, stdout + stderr)
  assert.match(stdout, /\] \w+ heap leak\n {2}V8 heap grows/)
  assert.match(stdout, /\] \w+ external leak\n {2}External memory/)
  assert.match(stdout, /\] \w+ listeners leak\n {2}EventEmitter has [\d,]+ 'change' listeners.*\n {2}added at .*demo\.js:\d+:\d+/)
  // And the run as a page, with a card for each of the three leaks.
  const page = /The report, as a page to open in a browser: (\S+)/.exec(stdout)[1]
  const html = require('node:fs').readFileSync(page, 'utf8')
  for (const identity of ['heap', 'external', "listeners:EventEmitter:change"]) assert.match(html, new RegExp(`data-leak="${identity}"`))
})
