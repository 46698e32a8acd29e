'use strict'
// The one owner of full garbage collections on this thread: it runs them
// (without `--expose-gc`), counts every full GC once, forced or V8's own,
// keeps each requester's budget and its `confirmWithGc` setting, and tells
// the watches that want to read levels after a full GC.

const { randomGap } = require('./random-gap')
const v8 = require('node:v8')
const vm = require('node:vm')
const { PerformanceObserver, constants, performance } = require('node:perf_hooks')

const MAJOR = constants.NODE_PERFORMANCE_GC_MAJOR

let collect = null
/** Full GCs this thread has seen, each counted once. */
let fullGcs = 0
/** performance.now() range of the forced GCs running now, so the observer skips them. */
let forcedFrom = -1
let forcedTo = -1
/** Subscribers: { onMajorGc(), onForcedGc() }. */
const subscribers = new Set()
let observer = null

/** Returns V8's `gc` function, exposing it at run time when the flag was not given. */
function gcFunction() {
  if (collect) return collect
  if (typeof globalThis.gc === 'function') {
    collect = globalThis.gc
  } else {
    v8.setFlagsFromString('--expose-gc')
    collect = vm.runInNewContext('gc')
  }
  return collect
}

function runFullGc() {
  gcFunction()()
  fullGcs++
}

/**
 * A young-generation GC: right after a full one there is nothing to
 * scavenge, but it first finishes sweeping the full GC's dead ArrayBuffers
 * (measured: external memory read after it equals what a second full GC
 * leaves, to the byte), at a tenth of a full GC's cost.
 */
function runMinorGc() {
  gcFunction()({ type: 'minor' })
}

/** Runs a full mark-compact GC now (the public `leakguard.gc()`); counted once. */
function gc() {
  forcedFrom = performance.now()
  runFullGc()
  forcedTo = performance.now()
}

/**
 * Two back-to-back full GCs: the second finishes sweeping the first's dead
 * ArrayBuffers, so external and native levels read after it are settled,
 * and an object a WeakRef kept through the first is gone after the second.
 * With `light`, the second is a young-generation GC, which settles the
 * ArrayBuffers as well (what a leak check reads). Subscribers read their
 * post-GC levels right after.
 */
function fullGcPair(light = false) {
  forcedFrom = performance.now()
  runFullGc()
  if (light) runMinorGc()
  else runFullGc()
  forcedTo = performance.now()
  for (const subscriber of subscribers) subscriber.onForcedGc()
}

/**
 * Runs `fn`, which makes V8 run one full GC (the sampling heap profiler
 * collects before it hands out or drops a profile): counted once, and kept
 * from the watches (it runs while a report is being delivered; a level read
 * inside that would re-enter the detectors). Returns what `fn` returns.
 */
function ownedFullGc(fn) {
  forcedFrom = performance.now()
  try {
    return fn()
  } finally {
    forcedTo = performance.now()
    fullGcs++
  }
}

function onEntries(list) {
  let major = false
  for (const entry of list.getEntries()) {
    const kind = entry.detail ? entry.detail.kind : entry.kind
    // leakguard's own GCs were counted when they ran.
    if (kind !== MAJOR || (entry.startTime >= forcedFrom && entry.startTime <= forcedTo)) continue
    fullGcs++
    major = true
  }
  for (const subscriber of subscribers) subscriber.onGc(major)
}

/**
 * Subscribes `{ onGc(major), onForcedGc() }` to GCs: `onGc` after every GC
 * V8 ran on its own (`major` for a mark-compact), `onForcedGc` right after a
 * forced pair. Returns `unsubscribe()`. One PerformanceObserver serves all.
 */
function subscribe(subscriber) {
  subscribers.add(subscriber)
  if (!observer) {
    observer = new PerformanceObserver(onEntries)
    observer.observe({ entryTypes: ['gc'] })
  }
  return () => {
    subscribers.delete(subscriber)
    if (subscribers.size === 0 && observer) {
      observer.disconnect()
      observer = null
    }
  }
}

/**
 * A requester's access to forced GCs: `request(reason)` runs a full-GC pair
 * when forced GCs are allowed (`confirmWithGc`) and no sooner than a gap
 * drawn at random from 0.5–1.5 × `minGapMs` (one `minGapMs` on average)
 * after the last one, and returns whether it ran. `forced` counts the pairs
 * it ran, `byReason` says who asked.
 *
 * The gap is random because pairs asked for as soon as the budget allows
 * come at a steady cadence: against a cache the application fills and
 * clears on a timer, each pair would read the cache a little fuller than the
 * last, live levels rising like a leak's.
 */
class GcBudget {
  constructor({ allowForced, minGapMs }) {
    this.allowForced = allowForced
    this.minGapMs = minGapMs
    this.lastAt = -Infinity
    this.gapMs = minGapMs
    this.forced = 0
    this.byReason = {}
  }

  request(reason) {
    const at = performance.now()
    if (!this.allowForced || at - this.lastAt < this.gapMs) return false
    this.lastAt = at
    this.gapMs = randomGap(this.minGapMs)
    this.forced++
    this.byReason[reason] = (this.byReason[reason] || 0) + 1
    fullGcPair()
    return true
  }
}

/** Full GCs seen so far on this thread: forced, or V8's own while anything subscribes. */
function fullGcCount() {
  return fullGcs
}

/** Resolves after finalizers (FinalizationRegistry, N-API) of the last GC have had a tick to run. */
function afterFinalizers() {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
}

/**
 * A settled reading for leak checks: a tick for pending work, a full GC and
 * a young-generation one (half a full pair's cost), then a tick for
 * finalizers.
 */
async function settledGc() {
  await afterFinalizers()
  fullGcPair(true)
  await afterFinalizers()
}

module.exports = { GcBudget, afterFinalizers, fullGcCount, fullGcPair, gc, ownedFullGc, settledGc, subscribe }
