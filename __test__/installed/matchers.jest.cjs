'use strict'
const { expect: importedExpect, test } = require('@jest/globals')
const leakguard = require('leakguard')

const cache = new Map()

test('a clean function does not leak', async () => {
  await expect(() => JSON.stringify({ a: [1, 2, 3] })).not.toLeak()
})

test('a dropped object is collected', async () => {
  let obj = { big: new Array(1000).fill(0) }
  const probe = leakguard.probe(obj)
  obj = null
  await importedExpect(probe).toBeCollected()
})

test('a Map that only grows leaks (fails on purpose)', async () => {
  await expect(() => cache.set(cache.size, { payload: new Array(32).fill(cache.size) })).not.toLeak()
})
