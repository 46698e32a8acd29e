'use strict'
// The `toLeak` and `toBeCollected` matchers that leakguard/jest and
// leakguard/vitest add to `expect`. Both runners call a matcher with the same
// context (`this.isNot`, `this.utils.matcherHint`, `printReceived`,
// `RECEIVED_COLOR`), so one implementation serves both.

const { checkLeak } = require('./check-leak')

function perCallSummary(result) {
  const p = result.perCall
  const parts = []
  if (p.heapBytes !== undefined) parts.push(`heap ${p.heapBytes.toFixed(1)} B`)
  if (p.externalBytes !== undefined) parts.push(`external ${p.externalBytes.toFixed(1)} B`)
  if (p.nativeBytes !== undefined) parts.push(`native ${p.nativeBytes.toFixed(1)} B`)
  if (p.listeners !== undefined) parts.push(`listeners ${p.listeners.toFixed(3)}`)
  if (p.handles !== undefined) parts.push(`handles ${p.handles.toFixed(3)}`)
  if (p.objects !== undefined) parts.push(`tracked objects ${p.objects.toFixed(3)}`)
  return parts.join(', ')
}

async function toLeak(received, options) {
  const hint = this.utils.matcherHint(`${this.isNot ? '.not' : ''}.toLeak`, 'fn', 'options')
  if (typeof received !== 'function') {
    throw new Error(`${hint}\n\n${this.utils.RECEIVED_COLOR('received')} value must be a function.\nReceived: ${this.utils.printReceived(received)}`)
  }
  const result = await checkLeak(received, options)
  const calls = result.iterations.toLocaleString('en')
  return {
    pass: result.leaked,
    message: () =>
      result.leaked
        ? `${hint}\n\nExpected the function not to leak, but ${result.reports.map((r) => r.message).join('; ')}.`
        : `${hint}\n\nExpected the function to leak, but nothing grew over ${calls} calls.\nGrowth per call: ${perCallSummary(result)}`,
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
