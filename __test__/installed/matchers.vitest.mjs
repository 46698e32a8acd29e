// Run with: vitest run --pool forks|threads (vitest.config.mjs: setupFiles: ['leakguard/vitest'])
import { isMainThread } from 'node:worker_threads'
import { expect, test } from 'vitest'
import leakguard from 'leakguard'

const cache = new Map()

test('runs in the pool asked for', () => {
  expect(isMainThread).toBe(process.env.LEAKGUARD_VITEST_POOL !== 'threads')
})

test('a clean function does not leak', async () => {
  await expect(() => JSON.stringify({ a: [1, 2, 3] })).not.toLeak()
})

test('a dropped object is collected', async () => {
  let obj = { big: new Array(1000).fill(0) }
  const probe = leakguard.probe(obj)
  obj = null
  await expect(probe).toBeCollected()
})

test('a Map that only grows leaks (fails on purpose)', async () => {
  await expect(() => cache.set(cache.size, { payload: new Array(32).fill(cache.size) })).not.toLeak()
})
