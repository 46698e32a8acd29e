'use strict'
// Jest matchers. In jest.config: setupFilesAfterEnv: ['leakguard/jest']
//   await expect(handler).not.toLeak(options?)
//   await expect(leakguard.probe(obj)).toBeCollected()

const { toBeCollected, toLeak } = require('./lib/check/matchers')

if (typeof expect !== 'undefined' && typeof expect.extend === 'function') {
  expect.extend({ toLeak, toBeCollected })
}

module.exports = { toLeak, toBeCollected }
