'use strict'
// What a guard costs the thread it watches, measured by the guard itself:
// main-thread time spent in its samples (detectors, forced GC pairs, sampler
// reads, report building and delivery) and in its GC callbacks. Throughput
// comparisons are too noisy on a shared machine to show a 1 % cost; this is
// not. Indirect costs (the sampling profiler's stack walks inside
// allocations) do not show here: see docs/detectors.md.

const { performance } = require('node:perf_hooks')

class Overhead {
  constructor() {
    this.startedAt = performance.now()
    this.ms = 0
    /** Nesting depth: a measured call inside another is counted once. */
    this.depth = 0
  }

  /** Runs `fn`, counting its time as the guard's own; returns what it returns. */
  measure(fn) {
    if (this.depth > 0) return fn()
    this.depth++
    const started = performance.now()
    try {
      return fn()
    } finally {
      this.depth--
      this.ms += performance.now() - started
    }
  }

  /** `{ ms, msPerMinute, share, sinceMs }`: the total, per minute of wall time, and as a share of it. */
  stats() {
    const sinceMs = Math.max(1, performance.now() - this.startedAt)
    return { ms: Math.round(this.ms * 1000) / 1000, msPerMinute: (this.ms / sinceMs) * 60_000, share: this.ms / sinceMs, sinceMs: Math.round(sinceMs) }
  }
}

module.exports = { Overhead }
