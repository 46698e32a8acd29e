'use strict'
// Samples this thread's memory on a timer, feeds GC readings in between, and
// hands the monitor's reports on. The judging is done in Rust (MemoryMonitorHandle).

const v8 = require('node:v8')
const { performance } = require('node:perf_hooks')
const { MemoryMonitorHandle, nativeSource } = require('./native')
const { subscribe } = require('./gc')

const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space'])

/** Bytes in use in the young generation, and in the rest of the heap. */
function heapSpaces() {
  let young = 0
  let rest = 0
  for (const space of v8.getHeapSpaceStatistics()) {
    if (YOUNG_SPACES.has(space.space_name)) young += space.space_used_size
    else rest += space.space_used_size
  }
  return { young, rest }
}

/** Milliseconds since the epoch, on a monotonic clock. */
function now() {
  return performance.timeOrigin + performance.now()
}

class MemoryWatch {
  /**
   * @param {object} settings
   * @param {import('./gc').GcBudget} settings.gcBudget the guard's access to forced GCs
   * @param {object} settings.monitor options for MemoryMonitorHandle
   * @param {(reports: object[]) => void} settings.deliver receives new reports
   */
  constructor({ gcBudget, monitor, deliver }) {
    this.gcBudget = gcBudget
    this.warmupSamples = monitor.warmupSamples
    this.monitor = new MemoryMonitorHandle(monitor)
    this.deliver = deliver
    this.heapLimit = v8.getHeapStatistics().heap_size_limit
    this.lastArrayBuffers = 0
    /** Young-generation bytes right after the latest GC: what survived it there. */
    this.youngAfterGc = 0
    this.majorGcSeen = false
    this.samples = 0
    this.unsubscribe = null
    this.latest = null
    /** The heap's state and each kind's judged level after the latest sample. */
    this.heapStateNow = 'warming-up'
    this.levels = [NaN, NaN, NaN]
  }

  start() {
    this.unsubscribe = subscribe(this)
  }

  /** The heap kind's state after the latest sample: 'warming-up', 'watching', 'suspected', 'leaking' or 'off'. */
  heapState() {
    return this.heapStateNow
  }

  stop() {
    if (this.unsubscribe) this.unsubscribe()
    this.unsubscribe = null
    this.monitor.close()
  }

  /**
   * After a GC V8 ran on its own. After a mark-compact the heap level is a
   * live level now; its dead ArrayBuffers are swept concurrently and counted
   * as freed only later, so external and native levels are read as live at
   * the next sample.
   */
  onGc(major) {
    this.youngAfterGc = heapSpaces().young
    if (!major) {
      this.monitor.recordGc(this.reading())
      return
    }
    this.majorGcSeen = true
    this.recordLive(true, false, false)
  }

  /** Right after a forced full-GC pair (this guard's, another's, or a leak check's). */
  onForcedGc() {
    this.youngAfterGc = heapSpaces().young
    this.majorGcSeen = false
    this.recordLive(true, true, true)
  }

  recordLive(heap, offHeap, forced) {
    const reports = this.monitor.recordLive(this.reading(), heap, offHeap, forced)
    if (reports.length > 0) this.deliver(reports)
  }

  /**
   * This isolate's memory now; `usage` is a `process.memoryUsage()` already
   * read. The heap level counts the young generation as the latest GC left
   * it: its garbage since is noise, while what survived there is live data
   * the old generation will only see when it is promoted, seconds later.
   */
  reading(usage) {
    const h = v8.getHeapStatistics()
    return {
      atMs: now(),
      heapUsed: heapSpaces().rest + this.youngAfterGc,
      heapTotal: h.total_heap_size,
      heapLimit: this.heapLimit,
      external: h.external_memory,
      arrayBuffers: usage ? usage.arrayBuffers : this.lastArrayBuffers,
      rss: usage ? usage.rss : 0,
      v8Malloced: h.malloced_memory,
    }
  }

  /** Takes one sample; called by the guard's timer. */
  sample() {
    const m = process.memoryUsage()
    this.lastArrayBuffers = m.arrayBuffers
    if (this.majorGcSeen) {
      this.majorGcSeen = false
      this.recordLive(false, true, false)
    }
    this.samples++
    const outcome = this.monitor.recordSample(this.reading(m))
    this.latest = m
    this.heapStateNow = outcome.heapState
    this.levels = outcome.levels
    if (outcome.reports.length > 0) this.deliver(outcome.reports)
    // The anchor, once warm-up ends: a live-size baseline to measure the
    // first window's growth from, free of the garbage start-up leaves.
    if (this.samples === this.warmupSamples + 1) this.gcBudget.request('anchor')
    else if (outcome.wantsFullGc) this.gcBudget.request('memory')
  }

  stats() {
    const m = this.latest
    return {
      samples: this.samples,
      nativeSource: nativeSource(),
      latest: m && {
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        heapLimit: this.heapLimit,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        rss: m.rss,
      },
      memory: this.monitor.status(),
    }
  }
}

module.exports = { MemoryWatch, now }
