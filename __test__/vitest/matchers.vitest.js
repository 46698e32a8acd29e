// Run by real Vitest (spawned from __test__/test-runners.test.js), with
// setupFiles: leakguard/vitest, in the forks and the threads pool.
import EventEmitter from 'node:events'
import { isMainThread } from 'node:worker_threads'
import { expect, test } from 'vitest'
import leakguard from '../../index.js'

const cache = new Map()
let id = 0
const bus = new EventEmitter()
bus.setMaxListeners(0)

test('runs where the pool puts it, without --expose-gc', () => {
  expect(isMainThread).toBe(process.env.LEAKGUARD_VITEST_POOL !== 'threads')
  expect(process.execArgv.join(' ')).not.toMatch(/expose[-_]gc/)
})

test('a pure function does not leak', async () => {
  await expect(() => JSON.stringify({ a: [1, 2, 3] })).not.toLeak()
})

test('a Map entry per call leaks; a listener per call leaks', async () => {
  await expect(() => cache.set(id++, { id })).toLeak({ heapSnapshots: false })
  await expect(() => bus.on('tick', () => {})).toLeak()
})

test('a dropped object is collected; a retained one is not', async () => {
  const kept = { name: 'kept' }
  await expect(leakguard.probe({ name: 'dropped' })).toBeCollected()
  await expect(leakguard.probe(kept)).not.toBeCollected({ attempts: 2 })
  expect(kept.name).toBe('kept')
})
