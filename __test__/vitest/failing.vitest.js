// Run by real Vitest: these fail on purpose, to check the failure messages.
import { expect, test } from 'vitest'
import leakguard from '../../index.js'

const sessions = []

test('leaky handler', async () => {
  await expect(function handleRequest() {
    sessions.push({ user: 'u', at: Date.now(), payload: new Array(20).fill(0) })
  }).not.toLeak()
})

test('retained object', async () => {
  await expect(leakguard.probe(sessions)).toBeCollected({ attempts: 2 })
})

test('not a function', async () => {
  await expect(42).not.toLeak()
})
