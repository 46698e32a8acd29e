'use strict'
// A Mocha root-hooks plugin: mocha --require leakguard/mocha
// Fails a test that leaves new listeners on long-lived emitters, or new active
// handles (timers, sockets, servers...), behind it. LEAKGUARD_MOCHA=0 turns it off.

const EventEmitter = require('node:events')
const path = require('node:path')
const { afterFinalizers } = require('./lib/gc')
const { topCallSite } = require('./lib/native')
const { captureStack } = require('./lib/stack')
const { interceptAdds } = require('./lib/intercept-adds')
const { listenerCount } = require('./lib/listener-hook')
const { describeEmitter } = require('./lib/listener-watch')

/** Frames from leakguard or Mocha itself never count as the test's. */
const OWN_FILES = [path.join(__dirname, 'lib') + path.sep, __filename, ...mochaDir()]
const enabled = process.env.LEAKGUARD_MOCHA !== '0'

function mochaDir() {
  try {
    return [path.dirname(require.resolve('mocha/package.json')) + path.sep]
  } catch {
    return []
  }
}

/** Counts active resources by type. */
function resourceCounts() {
  const counts = new Map()
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) || 0) + 1)
  return counts
}

/** Watches one test: emitters created in it, and listeners added in it. */
class TestWatch {
  constructor() {
    this.created = new WeakSet()
    this.pairs = []
    this.seen = new WeakMap()
    this.resources = null
    const watch = this
    this.restoreAdds = interceptAdds((emitter, type, before) => watch.note(emitter, type, before))
    this.previous = { init: EventEmitter.init }
    const init = this.previous.init
    this.init = function (...args) {
      watch.created.add(this)
      return init.apply(this, args)
    }
    EventEmitter.init = this.init
  }

  note(emitter, type, before) {
    if (this.created.has(emitter)) return
    let types = this.seen.get(emitter)
    if (!types) this.seen.set(emitter, (types = new Map()))
    if (!types.has(type)) {
      const stack = captureStack(this.note)
      const site = stack && topCallSite([stack], OWN_FILES)
      // Added by Mocha or leakguard, not by the test: not the test's to clean up.
      const pair = site ? { emitter: new WeakRef(emitter), type, before, site } : null
      types.set(type, pair)
      if (pair) this.pairs.push(pair)
    }
  }

  stop() {
    this.restoreAdds()
    if (EventEmitter.init === this.init) EventEmitter.init = this.previous.init
  }

  /** What the test left behind, as lines of text. */
  leftovers() {
    const lines = []
    for (const pair of this.pairs) {
      const emitter = pair.emitter.deref()
      if (emitter === undefined) continue
      const added = listenerCount(emitter, pair.type) - pair.before
      if (added > 0) {
        lines.push(`${added} '${String(pair.type)}' listener(s) left on ${describeEmitter(emitter)} (added at ${pair.site})`)
      }
    }
    for (const [type, count] of resourceCounts()) {
      const extra = count - ((this.resources && this.resources.get(type)) || 0)
      if (extra > 0) lines.push(`${extra} active ${type} handle(s) left running`)
    }
    return lines
  }
}

let current = null

// Both hooks are async and count handles after a turn of the event loop, when
// Mocha's timeout timer for the hook runs: the two counts compare like with like.
exports.mochaHooks = {
  async beforeEach() {
    if (!enabled) return
    current = new TestWatch()
    // Mocha's own timer for this hook starts once the hook has returned.
    await afterFinalizers()
    current.resources = resourceCounts()
  },
  async afterEach() {
    if (!current) return
    const watch = current
    current = null
    watch.stop()
    // Let close events and cleared timers settle before judging.
    await afterFinalizers()
    const lines = watch.leftovers()
    if (lines.length > 0) {
      const error = new Error(`leakguard: the test left ${lines.join('; ')}`)
      error.code = 'ERR_LEAK_DETECTED'
      // Fails the test itself (not the hook), so the run goes on.
      this.test.error(error)
    }
  },
}
