'use strict'
// The listener hook on the hot path: on()+off() pairs, emit() and EventTarget
// add/remove pairs, with a
// guard running against vanilla, in alternating rounds of the same run.
//
// Each state is timed with freshly compiled functions (new Function): a
// shared function would carry call-site feedback from the other state and
// time a polymorphic call instead of what an application runs.

const EventEmitter = require('node:events')
const leakguard = require('..')
const { compare, median, row } = require('./harness')

const ROUNDS = 7

function subjects(emitter, target, listener) {
  const pair = new Function('e', 'f', 'return function pair() { e.on("data", f); e.off("data", f) }')(emitter, listener)
  const emit = new Function('e', 'return function emit() { e.emit("data", 1) }')(emitter)
  const targetPair = new Function('t', 'f', 'return function targetPair() { t.addEventListener("abort", f); t.removeEventListener("abort", f) }')(target, listener)
  return { pair, emit, targetPair }
}

module.exports = async function listeners() {
  const emitter = new EventEmitter()
  emitter.on('data', () => {})
  const target = new AbortController().signal
  target.addEventListener('abort', () => {})
  const listener = () => {}
  const ratios = { pair: [], emit: [], targetPair: [] }
  const ns = { pair: [[], []], emit: [[], []], targetPair: [[], []] }
  for (let r = 0; r < ROUNDS; r++) {
    const vanilla = compare(subjects(emitter, target, listener), { iterations: 100_000, rounds: 9 })
    const guard = leakguard.start({ intervalMs: 60_000 })
    const hooked = compare(subjects(emitter, target, listener), { iterations: 100_000, rounds: 9 })
    guard.stop()
    for (const k of ['pair', 'emit', 'targetPair']) {
      ratios[k].push(hooked[k] / vanilla[k])
      ns[k][0].push(vanilla[k])
      ns[k][1].push(hooked[k])
    }
  }
  return [
    row('on()+off() pair, guard running', median(ns.pair[1]), 'ns', 'vanilla', median(ns.pair[0]), `median of ${ROUNDS} per-round ratios ${median(ratios.pair).toFixed(3)}×`),
    row('emit() to one listener, guard running', median(ns.emit[1]), 'ns', 'vanilla', median(ns.emit[0]), `median of ${ROUNDS} per-round ratios ${median(ratios.emit).toFixed(3)}×`),
    row('AbortSignal addEventListener()+removeEventListener() pair, guard running', median(ns.targetPair[1]), 'ns', 'vanilla', median(ns.targetPair[0]), `median of ${ROUNDS} per-round ratios ${median(ratios.targetPair).toFixed(3)}×`),
  ]
}
