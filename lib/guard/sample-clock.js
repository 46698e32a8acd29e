'use strict'
// A guard's sample clock: the one timer that drives its samples, each a
// random 0.5–1.5 × `intervalMs` after the last (lib/random-gap.js), each
// counted as the guard's own time (lib/guard/overhead.js).

const { randomGap } = require('../random-gap')

class SampleClock {
  /**
   * @param {object} o
   * @param {number} o.intervalMs the mean gap between samples
   * @param {import('./overhead').Overhead} o.overhead where each sample's time is counted
   * @param {() => void} o.onTick takes one sample
   */
  constructor({ intervalMs, overhead, onTick }) {
    this.intervalMs = intervalMs
    this.overhead = overhead
    this.onTick = onTick
    this.timer = null
    this.running = false
  }

  /**
   * Schedules the next sample a random 0.5–1.5 × `intervalMs` away (the
   * mean stays `intervalMs`). Samples at fixed moments would read a timer of
   * the application's at a phase that drifts slowly: a cache cleared every
   * 990 ms, read every 250 ms, looks like a ramp that rises for minutes.
   * The timer never keeps the process alive.
   */
  start() {
    this.running = true
    this.timer = setTimeout(() => {
      try {
        this.overhead.measure(this.onTick)
      } finally {
        if (this.running) this.start()
      }
    }, randomGap(this.intervalMs))
    this.timer.unref()
  }

  /** No sample after this one. */
  stop() {
    this.running = false
    clearTimeout(this.timer)
  }
}

module.exports = { SampleClock }
