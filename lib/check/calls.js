'use strict'
// Calling the function under check: in batches against the check's
// deadline, reading the clock as seldom as the calls' speed allows, and the
// warm-up before the first measured round.

const { performance } = require('node:perf_hooks')
const { codedError } = require('../errors')
const { DEFAULTS } = require('./options')

/** Warm-up goes on while a chunk's time per call is under this share of the chunk before. */
const SETTLED_SHARE = 0.8
/** Share of the budget the warm-up may take at most. */
const WARMUP_BUDGET_SHARE = 0.3

/** Thrown inside a check whose watchdog fired: the check has already rejected. */
const ABANDONED = Symbol('abandoned')

/**
 * Calls `fn` up to `n` times, stopping early at `state.deadline`; awaits each
 * call only when `fn` is asynchronous. Returns the calls made.
 */
async function callMany(fn, n, state) {
  for (let i = 0; i < n; i++) {
    // The clock every call for slow functions, every 16th for fast ones (a
    // clock read costs as much as a cheap call).
    if ((i & state.clockMask) === 0 && performance.now() > state.deadline) return i
    let result
    state.inCall = true
    try {
      result = fn()
      if (state.async || (result && typeof result.then === 'function')) {
        state.async = true
        await result
      }
    } catch (error) {
      if (state.abandoned) throw ABANDONED
      const message = error instanceof Error ? error.message : String(error)
      throw codedError('ERR_LEAKGUARD_CHECK_FN_FAILED', `The function under check failed on call ${(state.calls + 1).toLocaleString('en')}: ${message}`, { cause: error })
    } finally {
      state.inCall = false
    }
    if (state.abandoned) throw ABANDONED
    state.calls++
  }
  return n
}

/** Calls between clock reads, less one: 16 for calls under 10 µs, else 1. */
function clockMaskFor(perCallMs) {
  return perCallMs < 0.01 ? 15 : 0
}

/** Calls in a batch of about `DEFAULTS.batchMs` at `perCallMs` a call. */
function batchSizeFor(perCallMs) {
  return Math.max(DEFAULTS.minBatchSize, Math.min(DEFAULTS.maxBatchSize, Math.round(DEFAULTS.batchMs / Math.max(perCallMs, 1e-6))))
}

/**
 * Warm-up until the time per call settles: chunks of about a batch's time,
 * until one is no faster than `SETTLED_SHARE` of the one before (JIT tiers
 * and lazily built tables are behind the measurement then), at most
 * `WARMUP_BUDGET_SHARE` of the budget; then at least one batch's worth of
 * calls in all. With `options.warmup`, exactly that many calls. Returns the
 * settled time per call.
 */
async function warmUp(fn, opts, state) {
  if (opts.warmup !== undefined) {
    const probe = Math.max(1, Math.min(opts.warmup, DEFAULTS.minBatchSize))
    const started = performance.now()
    const made = await callMany(fn, probe, state)
    const perCallMs = (performance.now() - started) / Math.max(1, made)
    await callMany(fn, Math.max(0, opts.warmup - state.calls), state)
    return perCallMs
  }
  const until = performance.now() + WARMUP_BUDGET_SHARE * opts.timeoutMs
  let chunk = DEFAULTS.minBatchSize
  let previous = Infinity
  let perCallMs = Infinity
  for (;;) {
    const started = performance.now()
    const made = await callMany(fn, chunk, state)
    perCallMs = (performance.now() - started) / Math.max(1, made)
    state.clockMask = clockMaskFor(perCallMs)
    const settled = perCallMs >= SETTLED_SHARE * previous
    if ((settled && state.calls >= batchSizeFor(perCallMs)) || made < chunk || performance.now() > until) break
    previous = perCallMs
    chunk = Math.max(chunk, batchSizeFor(perCallMs))
  }
  return perCallMs
}

module.exports = { ABANDONED, batchSizeFor, callMany, clockMaskFor, warmUp }
