'use strict'
// The `toLeak` and `toBeCollected` matchers that leakguard/jest and
// leakguard/vitest add to `expect`. Both runners call a matcher with the same
// context (`this.isNot`, `this.utils.matcherHint`, `printReceived`,
// `RECEIVED_COLOR`), so one implementation serves both.

const { checkLeak } = require('./check-leak')
const { describePerCallGrowth } = require('../report/describe')
const { count } = require('../report/format')

async function toLeak(received, options) {
  const hint = this.utils.matcherHint(`${this.isNot ? '.not' : ''}.toLeak`, 'fn', 'options')
  if (typeof received !== 'function') {
    throw new Error(`${hint}\n\n${this.utils.RECEIVED_COLOR('received')} value must be a function.\nReceived: ${this.utils.printReceived(received)}`)
  }
  const result = await checkLeak(received, options)
  const calls = count(result.iterations)
  return {
    pass: result.leaked,
    message: () =>
      result.leaked
        ? `${hint}\n\nExpected the function not to leak, but ${result.reports.map((r) => r.message).join('; ')}.`
        : `${hint}\n\nExpected the function to leak, but nothing grew over ${calls} calls.\nGrowth per call: ${describePerCallGrowth(result.perCall)}`,
  }
}

async function toBeCollected(received, options) {
  const hint = this.utils.matcherHint(`${this.isNot ? '.not' : ''}.toBeCollected`, 'probe', 'options')
  if (!received || typeof received.collected !== 'function') {
    throw new Error(`${hint}\n\n${this.utils.RECEIVED_COLOR('received')} value must be a probe from leakguard.probe(obj).\nReceived: ${this.utils.printReceived(received)}`)
  }
  const collected = await received.collected(options)
  return {
    pass: collected,
    message: () =>
      collected
        ? `${hint}\n\nExpected the object to stay alive, but it was collected.`
        : `${hint}\n\nExpected the object to be collected, but it is still alive after full GCs: something still references it.`,
  }
}

module.exports = { toBeCollected, toLeak }
