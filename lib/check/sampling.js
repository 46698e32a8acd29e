'use strict'
// A check's lease on this thread's allocation sampler (lib/allocation-sampler.js).

const { CHECK_INTERVAL, sampler } = require('../allocation-sampler')

/**
 * The check's use of this thread's allocation sampler: fine-grained, for the
 * batch after a heap leak is confirmed. Its window begins at `start()`, so
 * its sites are those of the check's own calls; a running guard's lease
 * goes on beside it (the profiler samples at the finer interval while both
 * are held, and a change of interval begins the guard's window anew).
 */
class CheckSampling {
  constructor() {
    this.lease = null
  }

  /** Begins the check's window now (taking the lease the first time). */
  start() {
    if (this.lease) this.lease.restart()
    else this.lease = sampler.lease(CHECK_INTERVAL)
  }

  /** Sites of what the calls since `start()` allocated and kept, or null. */
  sites() {
    return this.lease ? this.lease.sites() : null
  }

  /** Releases the lease. Idempotent. */
  stop() {
    if (!this.lease) return
    this.lease.release()
    this.lease = null
  }
}

module.exports = { CheckSampling }
