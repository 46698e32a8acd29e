// Run by real Mocha with --require leakguard/mocha (spawned from
// __test__/test-runners.test.js). Two tests here leave things behind on purpose.
const assert = require('node:assert/strict')
const EventEmitter = require('node:events')

const appBus = new EventEmitter()
let interval = null

describe('leakguard/mocha', () => {
  it('a clean test passes', () => {
    const local = new EventEmitter()
    local.on('data', () => {})
    assert.equal(local.listenerCount('data'), 1)
  })

  it('a test that removes what it adds passes', () => {
    const f = () => {}
    appBus.on('config', f)
    appBus.off('config', f)
    const t = setTimeout(() => {}, 10_000)
    clearTimeout(t)
  })

  it('leaves a listener on a long-lived emitter', () => {
    appBus.on('config', () => {})
  })

  it('leaves an interval running', () => {
    interval = setInterval(() => {}, 10_000)
  })

  it('runs after the failures', () => {
    clearInterval(interval)
    assert.ok(true)
  })
})
