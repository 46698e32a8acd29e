'use strict'
// What a guard's timeline (lib/report/recorder.js) and its forensics hear at
// each sample: the judged levels, warm-up's end, the settling minute's end,
// a heap suspicion, each forced GC pair with who asked for it, and the
// headroom forensics watch.

class TimelineFeed {
  /**
   * @param {object} parts
   * @param {import('../report/recorder').Recorder} parts.recorder the timeline
   * @param {import('./memory-watch').MemoryWatch} parts.memory levels and heap state
   * @param {import('../gc').GcBudget} parts.gcBudget forced pairs by reason
   * @param {import('./listener-watch').ListenerWatch | null} parts.listeners
   * @param {import('../alerting/forensics').Forensics | null} parts.forensics
   * @param {number} parts.warmupSamples samples before warm-up ends
   * @param {() => number | null} parts.msUntilHeapLimit the guard's projection
   */
  constructor({ recorder, memory, gcBudget, listeners, forensics, warmupSamples, msUntilHeapLimit }) {
    this.recorder = recorder
    this.memory = memory
    this.gcBudget = gcBudget
    this.listeners = listeners
    this.forensics = forensics
    this.warmupSamples = warmupSamples
    this.msUntilHeapLimit = msUntilHeapLimit
    /** Forced pairs already written, by reason. */
    this.forcedSeen = {}
    this.forcedSeenTotal = 0
    this.lastHeapState = 'warming-up'
    this.wasSettling = true
  }

  /** The sample taken at `at` and what happened since the previous one. */
  sample(at) {
    const [heap, external, native] = this.memory.levels
    this.recorder.sample(at, { heap, external, native, listeners: this.listeners ? this.listeners.mostWatched() : null })
    if (this.forensics) {
      const rss = this.memory.latest ? this.memory.latest.rss : NaN
      this.forensics.check(at, { heapLive: heap, oldCommitted: this.memory.oldCommitted, heapLimit: this.memory.heapLimit, rss, msUntilHeapLimit: this.msUntilHeapLimit() })
    }
    if (this.memory.samples === this.warmupSamples + 1) this.recorder.event(at, 'warmed-up')
    if (this.wasSettling && !this.memory.settling) this.recorder.event(at, 'settled')
    this.wasSettling = this.memory.settling
    const state = this.memory.heapStateNow
    if (state === 'suspected' && this.lastHeapState !== 'suspected') this.recorder.event(at, 'suspected', { kind: 'heap' })
    this.lastHeapState = state
    // Forced pairs are rare: the reasons are read only when the count moved.
    if (this.gcBudget.forced !== this.forcedSeenTotal) {
      this.forcedSeenTotal = this.gcBudget.forced
      for (const [reason, n] of Object.entries(this.gcBudget.byReason)) {
        for (let i = this.forcedSeen[reason] || 0; i < n; i++) this.recorder.event(at, 'forced-gc', { reason })
        this.forcedSeen[reason] = n
      }
    }
  }
}

module.exports = { TimelineFeed }
