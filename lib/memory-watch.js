'use strict'
// Samples this thread's memory on a timer, feeds GC readings in between, and
// hands the monitor's reports on. The judging is done in Rust (MemoryMonitorHandle).

const v8 = require('node:v8')
const { PerformanceObserver, constants, performance } = require('node:perf_hooks')
const { MemoryMonitorHandle, nativeSource } = require('./native')
const { gc, noteMajorGc } = require('./gc')

const MAJOR = constants.NODE_PERFORMANCE_GC_MAJOR
const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space'])

/**
 * Heap bytes outside the young generation: what survived scavenges. A leak is
 * promoted there within two scavenges; the young generation's churn (up to
 * its whole semi-space) is noise a baseline is better without.
 */
function retainedHeap() {
  let used = 0
  for (const space of v8.getHeapSpaceStatistics()) {
    if (!YOUNG_SPACES.has(space.space_name)) used += space.space_used_size
  }
  return used
}

/** Milliseconds since the epoch, on a monotonic clock. */
function now() {
  return performance.timeOrigin + performance.now()
}

class MemoryWatch {
  /**
   * @param {object} settings
   * @param {number} settings.intervalMs sampling interval
   * @param {boolean} settings.confirmWithGc whether a suspected trend may force a full GC
   * @param {object} settings.monitor options for MemoryMonitorHandle
   * @param {(reports: object[]) => void} settings.deliver receives new reports
   */
  constructor({ intervalMs, confirmWithGc, monitor, deliver }) {
    this.confirmWithGc = confirmWithGc
    this.warmupSamples = monitor.warmupSamples
    // Forced GCs are rare by design: one anchor when warm-up ends, then one per
    // suspicion, at most one per window of samples.
    this.minForcedGcGapMs = monitor.minPoints * intervalMs
    this.monitor = new MemoryMonitorHandle(monitor)
    this.deliver = deliver
    this.heapLimit = v8.getHeapStatistics().heap_size_limit
    this.lastArrayBuffers = 0
    this.lastForcedGcAt = -Infinity
    this.majorGcSeen = false
    this.forcedFrom = -1
    this.forcedTo = -1
    this.samples = 0
    this.forcedGcs = 0
    this.observer = null
    this.latest = null
  }

  start() {
    this.observer = new PerformanceObserver((list) => this.onGc(list.getEntries()))
    this.observer.observe({ entryTypes: ['gc'] })
  }

  stop() {
    if (this.observer) this.observer.disconnect()
    this.monitor.close()
    this.observer = null
  }

  onGc(entries) {
    if (!this.observer) return
    for (const entry of entries) {
      // A major GC's dead ArrayBuffers are swept concurrently and counted as
      // freed only later: its levels are read at the next sample, not now.
      // leakguard's own forced GCs were read already.
      const forced = entry.startTime >= this.forcedFrom && entry.startTime <= this.forcedTo
      if ((entry.detail ? entry.detail.kind : entry.kind) === MAJOR && !forced) {
        this.majorGcSeen = true
        noteMajorGc()
      }
    }
    this.recordGc(false)
  }

  recordGc(full) {
    const h = v8.getHeapStatistics()
    const reports = this.monitor.recordGc(now(), retainedHeap(), h.total_heap_size, h.external_memory, this.lastArrayBuffers, full)
    if (reports.length > 0) this.deliver(reports)
  }

  /**
   * Two back-to-back full GCs: the second finishes sweeping the first's dead
   * ArrayBuffers, so external and native levels read after it are settled.
   */
  forceFullGc() {
    this.lastForcedGcAt = now()
    this.forcedGcs++
    this.forcedFrom = performance.now()
    gc()
    gc()
    this.forcedTo = performance.now()
    this.majorGcSeen = false
    this.recordGc(true)
  }

  /**
   * Forces the confirming full GCs when the budget allows (at most one pair
   * per window of samples), for memory's own suspicions and for the object
   * watch's. Returns whether they ran.
   */
  requestFullGc() {
    if (!this.confirmWithGc || now() - this.lastForcedGcAt < this.minForcedGcGapMs) return false
    this.forceFullGc()
    return true
  }

  /** Takes one sample; called by the guard's timer. */
  sample() {
    if (this.majorGcSeen) {
      this.majorGcSeen = false
      this.recordGc(true)
    }
    const m = process.memoryUsage()
    this.lastArrayBuffers = m.arrayBuffers
    this.samples++
    const outcome = this.monitor.recordSample(now(), retainedHeap(), m.heapTotal, this.heapLimit, m.external, m.arrayBuffers, m.rss)
    this.latest = m
    if (outcome.reports.length > 0) this.deliver(outcome.reports)
    // The anchor, once warm-up ends: a live-size baseline to measure the
    // first window's growth from, free of the garbage start-up leaves.
    if (this.confirmWithGc && this.samples === this.warmupSamples + 1) this.forceFullGc()
    else if (outcome.wantsFullGc) this.requestFullGc()
  }

  stats() {
    const m = this.latest
    return {
      samples: this.samples,
      forcedGcs: this.forcedGcs,
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
