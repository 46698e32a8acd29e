'use strict'
// One guard's tracked objects: weak registrations, per-label counters shared
// with Rust, sampled creation stacks, and objects expected to be collected.
//
// track() is a FinalizationRegistry registration whose held value is the
// label's small-integer slot (no allocation of our own), plus one counter
// increment. Measured against the alternatives (see README), that is the
// cheapest weak tracking there is. One registry and one Float64Array of
// counters ([created, collected] per slot) serve every guard of the thread:
// a registry per guard kept each stopped guard alive until its objects'
// finalizers ran, and the survivors made V8 grow its young generation.

const { OWN_FILES } = require('../own-files')
const { ObjectLedgerHandle } = require('../native')
const { captureStack } = require('../stack')
const { codedError, invalidArgType, validateNumber, validateObject, validateString } = require('../errors')
const { fullGcCount } = require('../gc')

/** Object watches of running guards on this thread, for leak checks. */
const running = new Set()

/** [created, collected] per label slot, for every guard of this thread. */
let slotCounters = new Float64Array(64)
let slotsUsed = 0
/** Slots of stopped guards, reusable once every object tracked in them was collected. */
const retiredSlots = new Set()
const registry = new FinalizationRegistry((slot) => {
  slotCounters[2 * slot + 1]++
})

/** A fresh label slot: a retired one whose objects are all gone, or a new one. */
function allocateSlot() {
  for (const slot of retiredSlots) {
    if (slotCounters[2 * slot] === slotCounters[2 * slot + 1]) {
      retiredSlots.delete(slot)
      slotCounters[2 * slot] = 0
      slotCounters[2 * slot + 1] = 0
      return slot
    }
  }
  if (2 * slotsUsed + 2 > slotCounters.length) {
    const grown = new Float64Array(slotCounters.length * 2)
    grown.set(slotCounters)
    slotCounters = grown
  }
  return slotsUsed++
}

/** Tracked objects alive across the running guards of this thread. */
function trackedAlive() {
  let alive = 0
  for (const watch of running) {
    for (const slot of watch.slots) alive += slotCounters[2 * slot] - slotCounters[2 * slot + 1]
  }
  return alive
}

/** Creation stacks taken for the first objects tracked after a new label appears... */
const FIRST_STACKS = 16
/** ...then for one tracked object in this many, on average (random gaps)... */
const STACK_EVERY = 1024
/**
 * ...or fewer, so that a guard takes at most this many a second: a stack
 * costs ~10 µs to capture and format, which at one in 1,024 was most of
 * what track() added to a registration when objects come by the million.
 */
const MAX_STACKS_PER_SECOND = 20

/**
 * The mean gap (tracked objects) to the next creation stack, when the last
 * `gap` objects were tracked over `elapsedMs`: STACK_EVERY, or more where
 * that rate would take more than MAX_STACKS_PER_SECOND.
 */
function meanStackGap(gap, elapsedMs) {
  const perSecond = (gap / Math.max(elapsedMs, 1e-3)) * 1000
  return Math.max(STACK_EVERY, Math.ceil(perSecond / MAX_STACKS_PER_SECOND))
}

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
   * @param {import('../gc').GcBudget} settings.gcBudget the guard's access to forced GCs
   */
  constructor({ minPoints, maxPoints, minGrowthPerMinute, gcBudget }) {
    this.ledgerOptions = { minPoints, maxPoints, minGrowthPerMinute, ignoredPaths: OWN_FILES }
    /** The Rust books, made with the first label: a guard that tracks nothing has none. */
    this.ledger = null
    this.gcBudget = gcBudget
    /** label -> its ledger id, which indexes `slots` */
    this.labelIds = new Map()
    /** The thread-wide counter slot of each of this guard's labels. */
    this.slots = []
    this.lastLabel = null
    this.lastSlot = -1
    this.burst = 0
    /** This guard's counters, copied from the slots at each sample for Rust. */
    this.counters = new Float64Array(0)
    this.expectations = new Set()
    this.expectRegistry = new FinalizationRegistry((expectation) => this.expectations.delete(expectation))
    this.countdown = STACK_EVERY
    /** The gap last drawn, and when its stack was taken (ms, performance.now()). */
    this.gap = STACK_EVERY
    this.stackAt = performance.now()
    /** Objects this guard had tracked at the latest sample, and when (ms, performance.now()). */
    this.createdAtSample = 0
    this.sampledAt = this.stackAt
    this.seed = 0x6d2b79f5
    this.confirmNext = false
    this.running = true
    running.add(this)
  }

  labelId(label) {
    let id = this.labelIds.get(label)
    if (id === undefined) {
      if (this.ledger === null) this.ledger = new ObjectLedgerHandle(this.ledgerOptions)
      id = this.ledger.defineLabel(label)
      this.labelIds.set(label, id)
      this.slots[id] = allocateSlot()
      // A new label: the next objects tracked get creation stacks.
      this.burst = FIRST_STACKS
      this.countdown = 1
    }
    this.lastLabel = label
    this.lastSlot = this.slots[id]
    return id
  }

  /** Weak-tracks `obj` under `label`; returns `obj`. */
  track(obj, label, caller) {
    if ((typeof obj !== 'object' && typeof obj !== 'function') || obj === null) validateTarget(obj)
    // The label of the previous call is known to be valid: the common case
    // (one label, many objects) checks nothing more.
    if (label !== this.lastLabel) {
      validateLabel(label)
      if (!this.running) return obj
      this.labelId(label)
    }
    if (!this.running) return obj
    const slot = this.lastSlot
    registry.register(obj, slot)
    slotCounters[2 * slot]++
    if (--this.countdown === 0) this.sampleStack(this.labelIds.get(label), caller)
    return obj
  }

  /**
   * At each sample: when the gap drawn to the next creation stack is far
   * longer than the rate since the last sample calls for (a burst of
   * objects set it, and they now come slowly), a shorter one is drawn, so a
   * burst never leaves a label without stacks for long.
   */
  paceStacks() {
    const now = performance.now()
    let created = 0
    for (let id = 0; id < this.slots.length; id++) created += this.counters[2 * id]
    const since = created - this.createdAtSample
    const elapsed = now - this.sampledAt
    this.createdAtSample = created
    this.sampledAt = now
    if (this.burst > 0 || since <= 0) return
    const mean = meanStackGap(since, elapsed)
    if (this.countdown > 2 * mean) {
      this.countdown = 1 + ((this.nextRandom() >>> 0) % (2 * mean))
      this.gap = this.countdown
      this.stackAt = now
    }
  }

  /** The next number of this guard's xorshift generator. */
  nextRandom() {
    this.seed ^= this.seed << 13
    this.seed ^= this.seed >>> 17
    this.seed ^= this.seed << 5
    return this.seed
  }

  sampleStack(id, caller) {
    if (this.burst > 0) {
      this.burst--
      this.countdown = 1
    } else {
      // The mean gap: STACK_EVERY, or what keeps stacks under
      // MAX_STACKS_PER_SECOND at the rate the last gap was tracked at.
      const now = performance.now()
      const mean = meanStackGap(this.gap, now - this.stackAt)
      this.countdown = 1 + ((this.nextRandom() >>> 0) % (2 * mean))
      this.gap = this.countdown
      this.stackAt = now
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
    if (this.counters.length !== 2 * this.slots.length) this.counters = new Float64Array(2 * this.slots.length)
    for (let id = 0; id < this.slots.length; id++) {
      this.counters[2 * id] = slotCounters[2 * this.slots[id]]
      this.counters[2 * id + 1] = slotCounters[2 * this.slots[id] + 1]
    }
    this.paceStacks()
    const outcome = this.ledger.recordCounts(at, this.counters, this.confirmNext)
    this.confirmNext = false
    const reports = outcome.reports
    // The finalizers of a confirming GC run on a later tick: the counts are
    // read again at the next sample.
    if (outcome.wantsFullGc && this.gcBudget.request('objects')) this.confirmNext = true
    this.checkExpectations(at, reports)
    return reports
  }

  /** The identities of reported object growth that is over (the core's). */
  takeEnded() {
    return this.ledger === null ? [] : this.ledger.takeEnded()
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
    // Overdue objects are judged after two full GCs: V8's own, or a forced
    // pair when the guard's budget allows (never with confirmWithGc: false).
    if (needGc) this.gcBudget.request('expectCollected')
  }

  stop() {
    this.running = false
    this.expectations.clear()
    running.delete(this)
    if (this.ledger !== null) this.ledger.close()
    for (const slot of this.slots) retiredSlots.add(slot)
  }

  stats() {
    return { labels: this.ledger === null ? [] : this.ledger.labels(), expectations: this.expectations.size }
  }
}

module.exports = { ObjectWatch, meanStackGap, trackedAlive, validateLabel, validateTarget }
