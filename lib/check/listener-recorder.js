'use strict'
// The listeners a check's calls add: counted per round, with where they were added.

const EventEmitter = require('node:events')
const { OWN_FILES } = require('../own-files')
const { topCallSite } = require('../native')
const { captureStack } = require('../stack')
const { interceptAdds } = require('../intercept-adds')
const { listenerCount } = require('../listener-hook')
const { describeEmitter } = require('../guard/listener-watch')

/** Every this-many adds to one emitter/event, an add stack is kept. */
const STACK_EVERY = 8

/**
 * Records every listener added while a check runs: which emitter/event pairs
 * the function touched, and a sample of where it added them. A round counts
 * the listeners of emitters that existed before it: pairs seen in an earlier
 * round or the warm-up, and EventEmitters not constructed during the check.
 * An emitter the calls create and keep carries its own listeners (a kept
 * stream's 'prefinish'); that is the kept object's growth, not listeners
 * piling up on an emitter that outlives the call.
 */
class ListenerRecorder {
  constructor() {
    this.pairs = []
    this.seen = new WeakMap()
    this.round = 0
    this.born = new WeakSet()
    this.restore = interceptAdds((emitter, type) => this.note(emitter, type))
    const born = this.born
    const init = EventEmitter.init
    this.init = init
    this.patchedInit = function (opts) {
      born.add(this)
      return init.call(this, opts)
    }
    EventEmitter.init = this.patchedInit
  }

  note(emitter, type) {
    let types = this.seen.get(emitter)
    if (!types) this.seen.set(emitter, (types = new Map()))
    let pair = types.get(type)
    if (!pair) {
      const preexisting = emitter instanceof EventEmitter && !this.born.has(emitter)
      pair = { ref: new WeakRef(emitter), type, adds: 0, stacks: [], first: 0, last: 0, round: preexisting ? -1 : this.round }
      types.set(type, pair)
      this.pairs.push(pair)
    }
    // Stacks only where listeners pile up, so that a function that makes
    // short-lived emitters does not make the recorder grow.
    if (pair.adds++ % STACK_EVERY === 0 && pair.stacks.length < 32 && listenerCount(emitter, type) > 1) {
      const stack = captureStack(this.note)
      if (stack) pair.stacks.push(stack)
    }
  }

  /** Starts a round: pairs seen from now on are counted from the next one. */
  nextRound() {
    this.round++
  }

  /** Listeners on every counted pair whose emitter is alive; forgets the dead. */
  count(mark) {
    let total = 0
    const alive = []
    for (const pair of this.pairs) {
      const emitter = pair.ref.deref()
      if (emitter === undefined) continue
      alive.push(pair)
      if (pair.round >= this.round) continue
      const n = listenerCount(emitter, pair.type)
      pair[mark] = n
      total += n
    }
    this.pairs = alive
    return total
  }

  /** The counted pair that gained the most listeners between the first and last reading. */
  worst() {
    let worst = null
    for (const pair of this.pairs) {
      if (pair.round >= this.round) continue
      if (!worst || pair.last - pair.first > worst.last - worst.first) worst = pair
    }
    if (!worst) return null
    const emitter = worst.ref.deref()
    return {
      emitter: emitter === undefined ? 'EventEmitter' : describeEmitter(emitter),
      eventName: String(worst.type),
      addSite: topCallSite(worst.stacks, OWN_FILES) || undefined,
    }
  }

  /** Removes the hooks and forgets the pairs (read `worst()` first). Idempotent. */
  stop() {
    this.restore()
    if (EventEmitter.init === this.patchedInit) EventEmitter.init = this.init
    this.pairs = []
  }
}

module.exports = { ListenerRecorder }
