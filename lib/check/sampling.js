'use strict'
// A check's lease on this thread's allocation sampler (lib/allocation-sampler.js).

const { CHECK_INTERVAL, sampler } = require('../allocation-sampler')

/**
 * The check's use of this thread's allocation sampler: fine-grained for one
 * batch after a heap leak is confirmed, then back to what it was (a running
 * guard's window starts anew at its interval; without a guard, sampling stops).
 */
class CheckSampling {
  constructor() {
    this.acquired = false
    this.window = false
    this.previousInterval = 0
  }

  start() {
    if (!this.acquired) {
      this.previousInterval = sampler.active ? sampler.interval : 0
      sampler.acquire(CHECK_INTERVAL)
      this.acquired = true
    }
    // A window of someone else's starts anew at the check's interval.
    if (this.previousInterval > 0) sampler.restart(CHECK_INTERVAL)
    this.window = sampler.active
  }

  /** Sites of what the latest confirming round kept, or null. */
  sites() {
    return this.window ? sampler.sites() : null
  }

  stop() {
    if (!this.acquired) return
    if (this.previousInterval > 0) sampler.restart(this.previousInterval)
    sampler.release()
    this.acquired = false
  }
}

module.exports = { CheckSampling }
