'use strict'
// Run with: mocha --require leakguard/mocha
const EventEmitter = require('node:events')

const bus = new EventEmitter()

describe('with leakguard/mocha', () => {
  it('leaves a listener behind (fails on purpose)', () => {
    bus.on('update', () => {})
  })
  it('cleans up after itself', () => {
    const listener = () => {}
    bus.on('update', listener)
    bus.off('update', listener)
  })
})
