'use strict'
// checkLeak(fn) and assertNoLeak(fn): call a function many times in batches,
// measure after full GCs at each batch boundary, and judge (in Rust) whether
// anything grew with the number of calls. This file is the entry: options,
// one check at a time per thread, the watchdog; the stages are in
// lib/check/ (run.js: rounds, verdicts, explanation, result).

const { codedError, validateFunction } = require('../errors')
const { describeCheckFailure } = require('../report/describe')
const { KINDS, normalizeCheckOptions } = require('./options')
const { runCheck } = require('./run')
const { withWatchdog } = require('./watchdog')

/**
 * Calls `fn` in batches, measuring after full GCs between batches, and
 * resolves what grew per call. A kind that grew is measured again with
 * batches twice as large and reported only if it kept half its rate per
 * call (a warm-up does not); see README for the options.
 */
function checkLeak(fn, options) {
  try {
    validateFunction(fn, 'fn')
    const opts = normalizeCheckOptions(options)
    // Two checks at once would each count what the other's calls keep.
    if (checkRunning) {
      throw codedError('ERR_LEAKGUARD_CHECK_CONCURRENT', 'Another leak check is running in this thread: a check measures the whole thread, so two at once would judge each other\'s calls. Await one check before starting the next')
    }
    for (const observer of checkObservers) observer.started()
    checkRunning = true
    return withWatchdog(opts.timeoutMs, (state) => runCheck(fn, opts, state)).finally(() => {
      checkRunning = false
      for (const observer of checkObservers) observer.ended()
    })
  } catch (error) {
    return Promise.reject(error)
  }
}

/** Whether a check runs in this thread now; one at a time. */
let checkRunning = false
/** `{ started(), ended() }` observers of this thread's checks (leakguard/mocha's per-test watch). */
const checkObservers = new Set()

/** Calls `observer.started()` as each check starts and `observer.ended()` once it settles; returns `unobserve()`. */
function observeChecks(observer) {
  checkObservers.add(observer)
  return () => checkObservers.delete(observer)
}

/** Rejects with `ERR_LEAKGUARD_LEAK_DETECTED` when `checkLeak` finds growth; resolves the result otherwise. */
async function assertNoLeak(fn, options) {
  const result = await checkLeak(fn, options)
  if (result.leaked) {
    const error = codedError('ERR_LEAKGUARD_LEAK_DETECTED', describeCheckFailure(fn.name, result))
    error.result = result
    throw error
  }
  return result
}

module.exports = { KINDS, assertNoLeak, checkLeak, observeChecks }
