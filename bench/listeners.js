'use strict'
// The EventEmitter hook on the hot path: on()+off() pairs and emit(), with a
// guard running against vanilla, in alternating rounds of the same run.
//
// Each state is timed with freshly compiled functions (new Function): a
// shared function would carry call-site feedback from the other state and
// time a polymorphic call instead of what an application runs.

const EventEmitter = require('node:events')
const leakguard = require('..')
const { compare, median, row } = require('./harness')

const ROUNDS = 7

function subjects(emitter, listener) {
  const pair = new Function('e', 'f', 'return function pair() { e.on("data", f); e.off("data", f) }')(emitter, listener)
  const emit = new Function('e', 'return function emit() { e.emit("data", 1) }')(emitter)
  return { pair, emit }
}

module.exports = async function listeners() {
  const emitter = new EventEmitter()
  emitter.on('data', () => {})
  const listener = () => {}
  const ratios = { pair: [], emit: [] }
  const ns = { pair: [[], []], emit: [[], []] }
  for (let r = 0; r < ROUNDS; r++) {
    const vanilla = compare(subjects(emitter, listener), { iterations: 200_000, rounds: 9 })
    const guard = leakguard.start({ intervalMs: 60_000 })
    const hooked = compare(subjects(emitter, listener), { iterations: 200_000, rounds: 9 })
    guard.stop()
    for (const k of ['pair', 'emit']) {
      ratios[k].push(hooked[k] / vanilla[k])
      ns[k][0].push(vanilla[k])
      ns[k][1].push(hooked[k])
    }
  }
  return [
    row('on()+off() pair, guard running', median(ns.pair[1]), 'ns', 'vanilla', median(ns.pair[0]), `median of ${ROUNDS} per-round ratios ${median(ratios.pair).toFixed(3)}×`),
    row('emit() to one listener, guard running', median(ns.emit[1]), 'ns', 'vanilla', median(ns.emit[0]), `median of ${ROUNDS} per-round ratios ${median(ratios.emit).toFixed(3)}×`),
  ]
}
