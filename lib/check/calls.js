'use strict'
// Calling the function under check: in batches against the check's
// deadline, reading the clock as seldom as the calls' speed allows, timing
// them (wall-clock for deadlines, the thread's own time for batch sizes),
// and the warm-up before the first measured round.

const { performance } = require('node:perf_hooks')
const { codedError } = require('../errors')
const { threadWaitedMs } = require('../native')
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

/** The clocks a batch is timed by: the wall clock and this thread's wait for a core (NaN where the system does not say). */
const THREAD_CLOCKS = Object.freeze({ wallMs: () => performance.now(), waitedMs: threadWaitedMs })

/**
 * Calls `fn` up to `n` times (`callMany`) and resolves `{ made, wallMs,
 * sizingMs }`: the wall-clock time per call, which the check's deadlines are
 * kept by, and the time per call its batches are sized by. That is the
 * thread's own time per call: wall time less the time the thread waited for
 * a core (`threadWaitedMs`, Linux), so a busy neighbour on the same cores
 * does not shrink the batches and the calls each round covers (with halved
 * batches a round can end inside a table's fill and see it as a leak, and
 * an async function's round of tens of calls can miss one), while time a
 * call spends blocked (a system call, `Atomics.wait`) or an async call
 * spends awaiting I/O or a timer still counts: the thread sleeps then, it
 * does not wait for a core. A system that does not say keeps wall-clock
 * sizing. The clocks (`clocks`, the thread's own by default) are read once
 * a batch.
 */
async function timedCalls(fn, n, state, clocks = THREAD_CLOCKS) {
  const wallFrom = clocks.wallMs()
  const waitedFrom = clocks.waitedMs()
  const made = await callMany(fn, n, state)
  const calls = Math.max(1, made)
  const wallMs = (clocks.wallMs() - wallFrom) / calls
  const waited = clocks.waitedMs() - waitedFrom
  const sizingMs = Number.isFinite(waited) ? Math.max(0, wallMs - Math.max(0, waited) / calls) : wallMs
  return { made, wallMs, sizingMs }
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
 * calls in all. Chunks and settling are judged by the time batches are sized
 * by (`timedCalls`); a chunk grows only to what fits the warm-up's wall-clock
 * time left. With `options.warmup`, exactly that many calls. Resolves the
 * settled `{ wallMs, sizingMs }` per call.
 */
async function warmUp(fn, opts, state) {
  if (opts.warmup !== undefined) {
    const probe = Math.max(1, Math.min(opts.warmup, DEFAULTS.minBatchSize))
    const { wallMs, sizingMs } = await timedCalls(fn, probe, state)
    await callMany(fn, Math.max(0, opts.warmup - state.calls), state)
    return { wallMs, sizingMs }
  }
  const until = performance.now() + WARMUP_BUDGET_SHARE * opts.timeoutMs
  let chunk = DEFAULTS.minBatchSize
  let previous = Infinity
  for (;;) {
    const { made, wallMs, sizingMs } = await timedCalls(fn, chunk, state)
    state.clockMask = clockMaskFor(wallMs)
    const settled = sizingMs >= SETTLED_SHARE * previous
    if ((settled && state.calls >= batchSizeFor(sizingMs)) || made < chunk || performance.now() > until) return { wallMs, sizingMs }
    previous = sizingMs
    const fits = Math.floor((until - performance.now()) / Math.max(wallMs, 1e-6))
    chunk = Math.max(chunk, Math.min(batchSizeFor(sizingMs), fits))
  }
}

module.exports = { ABANDONED, batchSizeFor, callMany, clockMaskFor, timedCalls, warmUp }
