// Run by real Jest (spawned from __test__/test-runners.test.js; named *.jest.js so
// that node --test leaves it alone), with
// setupFilesAfterEnv: leakguard/jest.
const EventEmitter = require('node:events')
const leakguard = require('../../..')

const cache = new Map()
let id = 0
const bus = new EventEmitter()
bus.setMaxListeners(0)

test('a pure function does not leak', async () => {
  await expect(() => JSON.stringify({ a: [1, 2, 3] })).not.toLeak()
})

test('a Map entry per call leaks', async () => {
  await expect(() => cache.set(id++, { id })).toLeak()
})

test('a listener per call leaks, and add/remove pairs do not', async () => {
  await expect(() => bus.on('tick', () => {})).toLeak()
  await expect(() => {
    const f = () => {}
    bus.on('tock', f)
    bus.off('tock', f)
  }).not.toLeak()
})

test('a dropped object is collected; a retained one is not', async () => {
  const kept = { name: 'kept' }
  await expect(leakguard.probe({ name: 'dropped' })).toBeCollected()
  await expect(leakguard.probe(kept)).not.toBeCollected({ attempts: 2 })
  expect(kept.name).toBe('kept')
})
