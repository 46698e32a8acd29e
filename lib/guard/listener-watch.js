'use strict'
// One guard's view of listener leaks: the emitter/event pairs the hook found
// busy, held weakly, and their counts fed to Rust at every sample.

const { OWN_FILES } = require('../own-files')
const { ListenerRegistryHandle } = require('../native')
const hook = require('../listener-hook')

const MAX_PAIRS = 10_000
const TOP = 10

/** The emitter's constructor name, and a short description where cheap. */
function describeEmitter(emitter) {
  if (emitter === process) return 'process'
  let name = 'EventEmitter'
  try {
    name = (emitter.constructor && emitter.constructor.name) || name
    if (typeof emitter.remoteAddress === 'string') return `${name} ${emitter.remoteAddress}:${emitter.remotePort}`
    if (typeof emitter.path === 'string') return `${name} ${emitter.path}`
  } catch {
    // A throwing getter: the name alone will do.
  }
  return name
}

class ListenerWatch {
  /**
   * @param {object} settings
   * @param {number} settings.minPoints samples before a verdict
   * @param {number} settings.maxPoints samples judged at most
   * @param {number} settings.minGrowthPerMinute listeners a minute below which growth is ignored
   */
  constructor({ minPoints, maxPoints, minGrowthPerMinute }) {
    this.registryOptions = { minPoints, maxPoints, minGrowthPerMinute, ignoredPaths: OWN_FILES, maxPairs: MAX_PAIRS }
    /** The Rust registry, made with the first busy pair: most guards never need one. */
    this.registry = null
    /** emitter -> Map(type -> pair) */
    this.byEmitter = new WeakMap()
    /** id -> { id, ref, type } */
    this.pairs = new Map()
    this.nextId = 1
    this.running = false
    /** The highest count read at the latest sample (see mostWatched). */
    this.most = 0
  }

  start() {
    this.running = true
    hook.attach(this)
  }

  stop() {
    this.running = false
    hook.detach(this)
    this.pairs.clear()
    if (this.registry !== null) this.registry.close()
  }

  /** Called by the hook for a sampled add that made a long array longer. */
  noteBusy(emitter, type, stack) {
    let types = this.byEmitter.get(emitter)
    let pair = types && types.get(type)
    if (!pair) {
      const id = this.nextId++
      if (this.registry === null) this.registry = new ListenerRegistryHandle(this.registryOptions)
      if (!this.registry.track(id, describeEmitter(emitter), String(type))) return
      pair = { id, ref: new WeakRef(emitter), type }
      if (!types) this.byEmitter.set(emitter, (types = new Map()))
      types.set(type, pair)
      this.pairs.set(id, pair)
    }
    if (stack !== null) this.registry.recordAdd(pair.id, stack)
  }

  /** Reads every tracked pair's count; returns the leaks found. */
  sample(at) {
    if (this.pairs.size === 0) return []
    const ids = []
    const counts = []
    for (const pair of this.pairs.values()) {
      const emitter = pair.ref.deref()
      const count = emitter === undefined ? 0 : hook.listenerCount(emitter, pair.type)
      // A dead emitter, or one whose listeners went away, is forgotten; it is
      // tracked again if it gets busy again.
      if (count < hook.BUSY_AT / 2) {
        this.untrack(pair, emitter)
        continue
      }
      ids.push(pair.id)
      counts.push(count)
      if (count > this.most) this.most = count
    }
    return this.registry.recordCounts(at, ids, counts)
  }

  /** The listener count of the most-watched tracked emitter/event at the latest sample (0 when none is tracked). */
  mostWatched() {
    const most = this.most
    this.most = 0
    return most
  }

  /** The identities of reported listener leaks that are over (the core's). */
  takeEnded() {
    return this.registry === null ? [] : this.registry.takeEnded()
  }

  untrack(pair, emitter) {
    this.pairs.delete(pair.id)
    this.registry.untrack(pair.id)
    if (emitter === undefined) return
    const types = this.byEmitter.get(emitter)
    if (types) types.delete(pair.type)
    hook.forget(emitter, pair.type)
  }

  stats() {
    if (this.registry === null) return { tracked: 0, top: [] }
    return { tracked: this.registry.size, top: this.registry.top(TOP) }
  }
}

module.exports = { ListenerWatch, describeEmitter }
