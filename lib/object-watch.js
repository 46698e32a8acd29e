'use strict'
// One guard's tracked objects: weak registrations, per-label counters shared
// with Rust, sampled creation stacks, and objects expected to be collected.
//
// track() is a FinalizationRegistry registration whose held value is the
// label's small-integer id (no allocation of our own), plus one counter
// increment. Measured against the alternatives (see README), that is the
// cheapest weak tracking there is. Counters live in one Float64Array,
// [created, collected] per label, which Rust reads in place at each sample.

const path = require('node:path')
const { ObjectLedgerHandle } = require('./native')
const { captureStack } = require('./stack')
const { codedError, invalidArgType, validateNumber, validateObject, validateString } = require('./errors')
const { fullGcCount, gc } = require('./gc')

/** Object watches of running guards on this thread, for leak checks. */
const running = new Set()

/** Tracked objects alive across the running guards of this thread. */
function trackedAlive() {
  let alive = 0
  for (const watch of running) {
    const c = watch.counters
    for (let i = 0; i + 1 < c.length; i += 2) alive += c[i] - c[i + 1]
  }
  return alive
}

/** Creation stacks taken for the first objects tracked after a new label appears... */
const FIRST_STACKS = 16
/** ...then for one tracked object in this many, on average (random gaps). */
const STACK_EVERY = 1024

function validateTarget(obj) {
  if ((typeof obj !== 'object' && typeof obj !== 'function') || obj === null) {
    throw invalidArgType('obj', 'of type object or function', obj)
  }
}

function validateLabel(label) {
  validateString(label, 'label')
  if (label.length === 0) throw codedError('ERR_INVALID_ARG_VALUE', "The argument 'label' must be a non-empty string. Received ''")
}

class ObjectWatch {
  /**
   * @param {object} settings
   * @param {number} settings.minPoints samples before a verdict
   * @param {number} settings.maxPoints samples judged at most
   * @param {number} settings.minGrowthPerMinute objects a minute below which growth is ignored
   * @param {() => boolean} settings.requestFullGc runs confirming full GCs if the budget allows
   */
  constructor({ minPoints, maxPoints, minGrowthPerMinute, requestFullGc }) {
    this.ledger = new ObjectLedgerHandle({ minPoints, maxPoints, minGrowthPerMinute, ignoredPaths: [__dirname + path.sep] })
    this.requestFullGc = requestFullGc
    this.labelIds = new Map()
    this.lastLabel = null
    this.lastId = -1
    this.burst = 0
    this.counters = new Float64Array(32)
    this.registry = new FinalizationRegistry((id) => {
      this.counters[2 * id + 1]++
    })
    this.expectations = new Set()
    this.expectRegistry = new FinalizationRegistry((expectation) => this.expectations.delete(expectation))
    this.countdown = STACK_EVERY
    this.seed = 0x6d2b79f5
    this.confirmNext = false
    this.running = true
    running.add(this)
  }

  labelId(label) {
    let id = this.labelIds.get(label)
    if (id === undefined) {
      id = this.ledger.defineLabel(label)
      this.labelIds.set(label, id)
      if (2 * id + 2 > this.counters.length) {
        const grown = new Float64Array(this.counters.length * 2)
        grown.set(this.counters)
        this.counters = grown
      }
      // A new label: the next objects tracked get creation stacks.
      this.burst = FIRST_STACKS
      this.countdown = 1
    }
    this.lastLabel = label
    this.lastId = id
    return id
  }

  /** Weak-tracks `obj` under `label`; returns `obj`. */
  track(obj, label, caller) {
    if ((typeof obj !== 'object' && typeof obj !== 'function') || obj === null) validateTarget(obj)
    if (typeof label !== 'string' || label.length === 0) validateLabel(label)
    if (!this.running) return obj
    const id = label === this.lastLabel ? this.lastId : this.labelId(label)
    this.registry.register(obj, id)
    this.counters[2 * id]++
    if (--this.countdown === 0) this.sampleStack(id, caller)
    return obj
  }

  sampleStack(id, caller) {
    if (this.burst > 0) {
      this.burst--
      this.countdown = 1
    } else {
      this.seed ^= this.seed << 13
      this.seed ^= this.seed >>> 17
      this.seed ^= this.seed << 5
      this.countdown = 1 + ((this.seed >>> 0) % (2 * STACK_EVERY))
    }
    const stack = captureStack(caller)
    if (stack !== null) this.ledger.recordCreation(id, stack)
  }

  /** Expects `obj` to be gone within `withinMs`; reports it if not. */
  expectCollected(obj, label, options, caller) {
    validateTarget(obj)
    validateLabel(label)
    validateObject(options, 'options', { optional: true })
    const withinMs = options && options.withinMs !== undefined ? options.withinMs : 0
    validateNumber(withinMs, 'options.withinMs', { min: 0, max: Number.MAX_SAFE_INTEGER })
    if (!this.running) return
    const expectation = {
      id: this.labelId(label),
      ref: new WeakRef(obj),
      createdAt: Date.now(),
      withinMs,
      stack: captureStack(caller) || '',
      gcsAtDeadline: undefined,
    }
    this.expectations.add(expectation)
    this.expectRegistry.register(obj, expectation)
  }

  /** One sample: label growth and overdue expectations. Returns reports. */
  sample(at) {
    if (this.labelIds.size === 0 && this.expectations.size === 0) return []
    const outcome = this.ledger.recordCounts(at, this.counters, this.confirmNext)
    this.confirmNext = false
    const reports = outcome.reports
    // The finalizers of a confirming GC run on a later tick: the counts are
    // read again at the next sample.
    if (outcome.wantsFullGc && this.requestFullGc()) this.confirmNext = true
    this.checkExpectations(at, reports)
    return reports
  }

  checkExpectations(at, reports) {
    if (this.expectations.size === 0) return
    const now = Date.now()
    let needGc = false
    for (const expectation of this.expectations) {
      if (now < expectation.createdAt + expectation.withinMs) continue
      if (expectation.gcsAtDeadline === undefined) expectation.gcsAtDeadline = fullGcCount()
      if (fullGcCount() - expectation.gcsAtDeadline < 2) {
        needGc = true
        continue
      }
      this.expectations.delete(expectation)
      if (expectation.ref.deref() === undefined) continue
      const report = this.ledger.overdueReport(expectation.id, now - expectation.createdAt, expectation.withinMs, expectation.stack, at)
      if (report) reports.push(report)
    }
    // Overdue objects are judged after two full GCs; one is run per sample
    // until they have had them.
    if (needGc) gc()
  }

  stop() {
    this.running = false
    this.expectations.clear()
    running.delete(this)
  }

  stats() {
    return { labels: this.ledger.labels(), expectations: this.expectations.size }
  }
}

module.exports = { ObjectWatch, trackedAlive, validateLabel, validateTarget }
