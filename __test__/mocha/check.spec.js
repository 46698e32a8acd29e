// Run by real Mocha with --require leakguard/mocha (spawned from
// __test__/test-runners.test.js): leak checks inside tests. What a check's
// own calls add is the check's to report, not the per-test hook's again.
const assert = require('node:assert/strict')
const EventEmitter = require('node:events')
const { assertNoLeak } = require('../..')

const bus = new EventEmitter()
bus.setMaxListeners(0)

describe('assertNoLeak under leakguard/mocha', () => {
  it('a check that finds a listener leak fails the test once', async () => {
    await assertNoLeak(
      function subscribe() {
        bus.on('evt', () => {})
      },
      { kinds: ['listeners'] },
    )
  })

  it('a check expected to find a listener leak passes', async () => {
    await assert.rejects(
      assertNoLeak(() => bus.on('update', () => {}), { kinds: ['listeners'] }),
      { code: 'ERR_LEAKGUARD_LEAK_DETECTED' },
    )
  })

  it('a listener the test leaves outside its check is still reported, once', async () => {
    bus.on('config', () => {})
    await assert.rejects(
      assertNoLeak(() => bus.on('config', () => {}), { kinds: ['listeners'] }),
      { code: 'ERR_LEAKGUARD_LEAK_DETECTED' },
    )
  })
})
