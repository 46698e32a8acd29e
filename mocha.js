'use strict'
// A Mocha root-hooks plugin: mocha --require leakguard/mocha
// Fails a test that leaves new listeners on long-lived emitters, or new active
// handles (timers, sockets, servers...), behind it. LEAKGUARD_MOCHA=0 turns it off.

const EventEmitter = require('node:events')
const path = require('node:path')
const { OWN_FILES } = require('./lib/own-files')
const { observeChecks } = require('./lib/check/check-leak')
const { afterFinalizers } = require('./lib/gc')
const { topCallSite } = require('./lib/native')
const { captureStack } = require('./lib/stack')
const { interceptAdds } = require('./lib/intercept-adds')
const { listenerCount } = require('./lib/listener-hook')
const { describeEmitter } = require('./lib/guard/listener-watch')
const { describeLeftovers } = require('./lib/report/describe')

/** Frames from leakguard or Mocha itself never count as the test's. */
const IGNORED = [...OWN_FILES, ...mochaDir()]
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

/**
 * Watches one test: emitters created in it, and listeners added in it. The
 * listeners a leak check's calls leave (checkLeak, assertNoLeak, toLeak) are
 * the check's verdict to give, not the test's leftovers to report again.
 */
class TestWatch {
  constructor() {
    this.created = new WeakSet()
    this.pairs = []
    this.seen = new WeakMap()
    this.resources = null
    /** While a check runs: per emitter, per event, the listener count before the check's first add. */
    this.inCheck = null
    this.checked = []
    /** Active handles by type: when the running check started, and what checks' calls left. */
    this.resourcesAtCheck = null
    this.resourcesByChecks = new Map()
    const watch = this
    this.restoreAdds = interceptAdds((emitter, type, before) => watch.note(emitter, type, before))
    this.unobserve = observeChecks({ started: () => watch.checkStarted(), ended: () => watch.checkEnded() })
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
    if (this.inCheck) {
      let types = this.inCheck.get(emitter)
      if (!types) this.inCheck.set(emitter, (types = new Map()))
      if (!types.has(type)) {
        types.set(type, before)
        this.checked.push({ emitter: new WeakRef(emitter), type, before })
      }
    }
    let types = this.seen.get(emitter)
    if (!types) this.seen.set(emitter, (types = new Map()))
    if (!types.has(type)) {
      const stack = captureStack(this.note)
      const site = stack && topCallSite([stack], IGNORED)
      // Added by Mocha or leakguard, not by the test: not the test's to clean up.
      const pair = site ? { emitter: new WeakRef(emitter), type, before, site, byChecks: 0 } : null
      types.set(type, pair)
      if (pair) this.pairs.push(pair)
    }
  }

  checkStarted() {
    this.inCheck = new WeakMap()
    this.checked = []
    this.resourcesAtCheck = resourceCounts()
  }

  /** Sets aside what the check's calls left: listeners on each pair they added to, and handles. */
  checkEnded() {
    for (const [type, count] of resourceCounts()) {
      const extra = count - (this.resourcesAtCheck.get(type) || 0)
      if (extra > 0) this.resourcesByChecks.set(type, (this.resourcesByChecks.get(type) || 0) + extra)
    }
    this.resourcesAtCheck = null
    for (const { emitter: ref, type, before } of this.checked) {
      const emitter = ref.deref()
      const types = emitter && this.seen.get(emitter)
      const pair = types && types.get(type)
      if (pair) pair.byChecks += Math.max(0, listenerCount(emitter, type) - before)
    }
    this.inCheck = null
    this.checked = []
  }

  stop() {
    this.restoreAdds()
    this.unobserve()
    if (EventEmitter.init === this.init) EventEmitter.init = this.previous.init
  }

  /** What the test left behind: `[{ kind: 'listeners', count, eventName, emitter, site } | { kind: 'handles', count, type }]`. */
  leftovers() {
    const found = []
    for (const pair of this.pairs) {
      const emitter = pair.emitter.deref()
      if (emitter === undefined) continue
      const added = listenerCount(emitter, pair.type) - pair.before - pair.byChecks
      if (added > 0) found.push({ kind: 'listeners', count: added, eventName: String(pair.type), emitter: describeEmitter(emitter), site: pair.site })
    }
    for (const [type, count] of resourceCounts()) {
      const extra = count - ((this.resources && this.resources.get(type)) || 0) - (this.resourcesByChecks.get(type) || 0)
      if (extra > 0) found.push({ kind: 'handles', count: extra, type })
    }
    return found
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
    const found = watch.leftovers()
    if (found.length > 0) {
      const error = new Error(describeLeftovers(found))
      error.code = 'ERR_LEAKGUARD_LEAK_DETECTED'
      // Fails the test itself (not the hook), so the run goes on.
      this.test.error(error)
    }
  },
}
