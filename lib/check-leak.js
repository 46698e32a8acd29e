'use strict'
// checkLeak(fn) and assertNoLeak(fn): call a function many times in batches,
// measure after full GCs at each batch boundary, and judge (in Rust) whether
// anything grew with the number of calls.

const EventEmitter = require('node:events')
const { OWN_FILES } = require('./own-files')
const v8 = require('node:v8')
const { performance } = require('node:perf_hooks')
const native = require('./native')
const { ledgerClose, ledgerFile, ledgerOpen, nativeBytes, topCallSite } = native
const { CHECK_INTERVAL, sampler } = require('./allocation-sampler')
const { settledGc } = require('./gc')
const { holdInliningOff } = require('./inlining')
const { captureStack } = require('./stack')
const { codedError, validateBoolean, validateFunction, validateNumber, validateObject } = require('./errors')
const { explainHeapLeak } = require('./check-snapshots')
const { describeCheckFailure, describeCheckReport } = require('./report/describe')
const { writeCheckReport } = require('./report/check-report')
const { trackedAlive } = require('./object-watch')
const { interceptAdds } = require('./intercept-adds')
const { listenerCount } = require('./listener-hook')
const { describeEmitter } = require('./listener-watch')

const KINDS = ['heap', 'external', 'native', 'listeners', 'handles', 'objects']
const PER_CALL_KEYS = { heap: 'heapBytes', external: 'externalBytes', native: 'nativeBytes', listeners: 'listeners', handles: 'handles', objects: 'objects' }
const DEFAULTS = Object.freeze({ batches: 8, minBatchSize: 50, maxBatchSize: 1000, batchMs: 10, timeoutMs: 5000 })
/**
 * Rounds at most (the first and up to five with larger batches; the budget
 * usually ends them first), and how much larger each is. With four, a
 * leak of ~84 B a call from an async function whose rounds alternated
 * between found and too noisy to tell was left undecided in a CI run.
 */
const MAX_ROUNDS = 6
const ROUND_FACTOR = 2
/** Warm-up goes on while a chunk's time per call is under this share of the chunk before. */
const SETTLED_SHARE = 0.8
/** Share of the budget the warm-up may take at most. */
const WARMUP_BUDGET_SHARE = 0.3
/**
 * Calls sampled for a confirmed heap leak's sites: few enough that the loop
 * making them is not optimized (and the function inlined into it).
 */
const SITE_CALLS = 2000
/** A batch gets fewer calls once they would take this many times its planned time. */
const SLOWDOWN_LIMIT = 4
/** Readings a round needs to be judged (four steps between batches). */
const MIN_READINGS = 5
/** Every this-many adds to one emitter/event, an add stack is kept. */
const STACK_EVERY = 8

/** Bytes of machine code in this thread's V8 heap (the code spaces). */
function codeBytes() {
  let total = 0
  for (const space of v8.getHeapSpaceStatistics()) {
    if (space.space_name.startsWith('code_')) total += space.space_used_size
  }
  return total
}

function normalizeCheckOptions(options) {
  if (options === undefined) options = {}
  validateObject(options, 'options')
  const { batches = DEFAULTS.batches, batchSize, warmup, kinds = KINDS, thresholds, timeoutMs = DEFAULTS.timeoutMs, heapSnapshots = true } = options
  validateNumber(batches, 'options.batches', { min: 3, max: 1000, integer: true })
  validateNumber(batchSize, 'options.batchSize', { optional: true, min: 1, max: 1e7, integer: true })
  validateNumber(warmup, 'options.warmup', { optional: true, min: 0, max: 1e7, integer: true })
  validateNumber(timeoutMs, 'options.timeoutMs', { min: 0, exclusiveMin: true, max: 2 ** 31 - 1 })
  validateBoolean(heapSnapshots, 'options.heapSnapshots')
  if (!Array.isArray(kinds) || kinds.length === 0 || kinds.some((k) => !KINDS.includes(k))) {
    throw codedError('ERR_INVALID_ARG_VALUE', `The property 'options.kinds' must be a non-empty array of ${KINDS.map((k) => `'${k}'`).join(', ')}. Received ${JSON.stringify(kinds)}`)
  }
  validateObject(thresholds, 'options.thresholds', { optional: true })
  const floors = {}
  for (const kind of KINDS) {
    const floor = thresholds ? thresholds[kind] : undefined
    validateNumber(floor, `options.thresholds.${kind}`, { optional: true, min: 0, max: Number.MAX_VALUE })
    floors[kind] = floor
  }
  return { batches, batchSize, warmup, kinds, floors, timeoutMs, heapSnapshots }
}

/**
 * Records every listener added while a check runs: which emitter/event pairs
 * the function touched, and a sample of where it added them. A round counts
 * the listeners of emitters that existed before it: pairs seen in an earlier
 * round or the warm-up, and EventEmitters not constructed during the check.
 * An emitter the calls create and keep carries its own listeners (a kept
 * stream's 'prefinish'); that is the kept object's growth, not listeners
 * piling up on an emitter that outlives the call.
 */
class ListenerRecorder {
  constructor() {
    this.pairs = []
    this.seen = new WeakMap()
    this.round = 0
    this.born = new WeakSet()
    this.restore = interceptAdds((emitter, type) => this.note(emitter, type))
    const born = this.born
    const init = EventEmitter.init
    this.init = init
    this.patchedInit = function (opts) {
      born.add(this)
      return init.call(this, opts)
    }
    EventEmitter.init = this.patchedInit
  }

  note(emitter, type) {
    let types = this.seen.get(emitter)
    if (!types) this.seen.set(emitter, (types = new Map()))
    let pair = types.get(type)
    if (!pair) {
      const preexisting = emitter instanceof EventEmitter && !this.born.has(emitter)
      pair = { ref: new WeakRef(emitter), type, adds: 0, stacks: [], first: 0, last: 0, round: preexisting ? -1 : this.round }
      types.set(type, pair)
      this.pairs.push(pair)
    }
    // Stacks only where listeners pile up, so that a function that makes
    // short-lived emitters does not make the recorder grow.
    if (pair.adds++ % STACK_EVERY === 0 && pair.stacks.length < 32 && listenerCount(emitter, type) > 1) {
      const stack = captureStack(this.note)
      if (stack) pair.stacks.push(stack)
    }
  }

  /** Starts a round: pairs seen from now on are counted from the next one. */
  nextRound() {
    this.round++
  }

  /** Listeners on every counted pair whose emitter is alive; forgets the dead. */
  count(mark) {
    let total = 0
    const alive = []
    for (const pair of this.pairs) {
      const emitter = pair.ref.deref()
      if (emitter === undefined) continue
      alive.push(pair)
      if (pair.round >= this.round) continue
      const n = listenerCount(emitter, pair.type)
      pair[mark] = n
      total += n
    }
    this.pairs = alive
    return total
  }

  /** The counted pair that gained the most listeners between the first and last reading. */
  worst() {
    let worst = null
    for (const pair of this.pairs) {
      if (pair.round >= this.round) continue
      if (!worst || pair.last - pair.first > worst.last - worst.first) worst = pair
    }
    if (!worst) return null
    const emitter = worst.ref.deref()
    return {
      emitter: emitter === undefined ? 'EventEmitter' : describeEmitter(emitter),
      eventName: String(worst.type),
      addSite: topCallSite(worst.stacks, OWN_FILES) || undefined,
    }
  }

  stop() {
    this.restore()
    if (EventEmitter.init === this.patchedInit) EventEmitter.init = this.init
  }
}

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
      throw codedError('ERR_LEAK_CHECK_FN_FAILED', `The function under check failed on call ${(state.calls + 1).toLocaleString('en')}: ${message}`, { cause: error })
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
      throw codedError('ERR_LEAK_CHECK_CONCURRENT', 'Another leak check is running in this thread: a check measures the whole thread, so two at once would judge each other\'s calls. Await one check before starting the next')
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

/**
 * Runs `body(state)` with the check's time budget in `state.deadline`. If a
 * call of the function is still pending well past the budget (an async
 * function that never settles), rejects with `ERR_LEAK_CHECK_TIMEOUT` and
 * runs the cleanups `body` registered in `state.cleanups`.
 */
function withWatchdog(timeoutMs, body) {
  const started = performance.now()
  const state = { calls: 0, async: false, inCall: false, abandoned: false, started, deadline: started + timeoutMs, clockMask: 0, cleanups: [] }
  const cleanUp = () => {
    for (const cleanup of state.cleanups.splice(0)) cleanup()
  }
  return new Promise((resolve, reject) => {
    // Past the budget, a pending call gets a grace of a quarter of it
    // (at least a second) before the check gives up on it.
    const grace = Math.max(1000, timeoutMs / 4)
    let timer
    const watch = (ms) => {
      timer = setTimeout(() => {
        if (!state.inCall) return watch(250)
        state.abandoned = true
        cleanUp()
        reject(codedError('ERR_LEAK_CHECK_TIMEOUT', `The function under check did not return within the ${timeoutMs.toLocaleString('en')} ms budget (call ${(state.calls + 1).toLocaleString('en')} still pending after ${Math.round(performance.now() - started).toLocaleString('en')} ms); raise options.timeoutMs if it is this slow`))
      }, ms)
    }
    watch(timeoutMs + grace)
    body(state).then(
      (result) => {
        clearTimeout(timer)
        cleanUp()
        resolve(result)
      },
      (error) => {
        clearTimeout(timer)
        cleanUp()
        if (error !== ABANDONED) reject(error)
      },
    )
  })
}

async function runCheck(fn, opts, state) {
  const recorder = new ListenerRecorder()
  state.cleanups.push(() => recorder.stop())
  const sampling = new CheckSampling()
  state.cleanups.push(() => sampling.stop())
  const ledgerId = ledgerOpen()
  state.cleanups.push(() => ledgerClose(ledgerId))
  // Functions the check's calls make hot are optimized without inlining, so
  // that a confirmed leak's sampled sites name the function that allocates
  // (a store's createSession), not the test's arrow it was inlined into.
  state.cleanups.push(holdInliningOff())

  const timing = { warmupMs: 0, callsMs: 0, readsMs: 0, reads: 0, explainMs: 0 }
  const warmupStarted = performance.now()
  let perCallMs = await warmUp(fn, opts, state)
  timing.warmupMs = performance.now() - warmupStarted
  const warmupDone = state.calls
  let gcMs = 0

  const read = async (series, calls, start, mark) => {
    const before = performance.now()
    // Let the batch's ticks, microtasks and close events run first: until
    // the job ends, objects it just made a WeakRef to cannot be collected.
    await settledGc()
    if (state.abandoned) throw ABANDONED
    const memory = process.memoryUsage()
    const heap = v8.getHeapStatistics()
    ledgerFile(ledgerId, { arrayBuffers: memory.arrayBuffers, heapTotal: heap.total_heap_size, v8Malloced: heap.malloced_memory })
    // The V8 heap in use (young generation included) but for machine code:
    // right after full GCs, what the calls left alive. V8 compiles and
    // recompiles hot functions in its own time for thousands of calls (an
    // express request's code grew ~100 B a call over 8,000 requests); code
    // a leak keeps is held by objects in the other spaces, which are counted.
    series.heap.push(heap.used_heap_size - codeBytes())
    series.external.push(memory.external)
    series.native.push(nativeBytes())
    series.listeners.push(recorder.count(mark))
    series.handles.push(process.getActiveResourcesInfo().length)
    series.objects.push(trackedAlive())
    calls.push(state.calls - start)
    const readMs = performance.now() - before
    gcMs = Math.max(gcMs, readMs)
    timing.readsMs += readMs
    timing.reads++
  }
  // Batches of `size` calls, shrunk when the calls slow down so that the
  // round fits the time left; the round ends early at the deadline. A batch
  // may take `SLOWDOWN_LIMIT` times its planned time when calls slow down
  // (each new EventTarget listener is checked against the whole list), then
  // it gets fewer calls.
  const runBatch = async (size, batchMsLimit, batchesLeft) => {
    const left = state.deadline - performance.now()
    const fits = Math.floor(Math.min(left / batchesLeft - gcMs, batchMsLimit) / Math.max(perCallMs, 1e-6))
    const batch = opts.batchSize ? size : Math.max(1, Math.min(size, fits))
    const started = performance.now()
    const made = await callMany(fn, batch, state)
    timing.callsMs += performance.now() - started
    if (made > 0) perCallMs = (performance.now() - started) / made
    state.clockMask = clockMaskFor(perCallMs)
    return made === batch
  }
  const measure = async (size, settle) => {
    const batchMsLimit = SLOWDOWN_LIMIT * size * Math.max(perCallMs, 1e-6)
    // A later round first runs one batch at its larger size unmeasured:
    // buffers and pools that grow with the burst size settle there.
    if (settle) await runBatch(size, batchMsLimit, opts.batches + 1)
    recorder.nextRound()
    const series = Object.fromEntries(KINDS.map((k) => [k, []]))
    const calls = []
    const start = state.calls
    let complete = true
    await read(series, calls, start, 'first')
    for (let b = 0; b < opts.batches; b++) {
      const whole = await runBatch(size, batchMsLimit, opts.batches - b)
      await read(series, calls, start, 'last')
      if (!whole && performance.now() > state.deadline) {
        complete = false
        break
      }
    }
    return { series, calls, complete, measured: state.calls - start }
  }

  const rounds = []
  let verdicts = []
  let measured = 0
  let lastSize = 0
  let truncated = false
  let size = opts.batchSize || batchSizeFor(perCallMs)
  for (let r = 0; r < MAX_ROUNDS; r++) {
    const left = state.deadline - performance.now()
    if (r > 0 && left < opts.batches * (gcMs + perCallMs)) {
      truncated = true
      break
    }
    const round = await measure(size, r > 0)
    if (round.calls.length < MIN_READINGS) {
      truncated = true
      break
    }
    rounds.push(opts.kinds.map((kind) => ({ kind, calls: round.calls, values: round.series[kind], floorPerCall: opts.floors[kind] })))
    verdicts = native.judgeLeakRounds(rounds)
    measured = round.measured
    lastSize = Math.ceil(round.measured / Math.max(1, round.calls.length - 1))
    if (!round.complete) {
      truncated = true
      break
    }
    // Done when every kind is decided, or once one leak is confirmed (the
    // verdict stands; kinds still undecided are listed as such).
    if (verdicts.every((v) => v.outcome !== 'measure-again') || verdicts.some((v) => v.outcome === 'leak')) break
    if (r === MAX_ROUNDS - 1) truncated = true
    // Twice as large, and at least twice as many calls as were made so far
    // (the round ends at three times the calls it starts at): a table that
    // grows per call (a Map) doubles at least once in every such round, so
    // a round never falls between two of its steps.
    size = opts.batchSize ? size * ROUND_FACTOR : Math.max(size * ROUND_FACTOR, Math.ceil((2 * state.calls) / opts.batches))
  }
  if (rounds.length === 0) {
    throw codedError('ERR_LEAK_CHECK_TIMEOUT', `The function under check is too slow for the ${opts.timeoutMs.toLocaleString('en')} ms budget: ${state.calls.toLocaleString('en')} calls (${warmupDone.toLocaleString('en')} of them warm-up) left fewer than ${MIN_READINGS} readings to judge; raise options.timeoutMs`)
  }

  // A confirmed heap leak's sites: one more batch, sampled finely, after
  // the verdict (sampling during the measured rounds would slow the calls
  // it measures); the sites are what those calls kept.
  let heapSites = null
  let heapGrowth = null
  // The listener recorder's work is done: its pairs would otherwise grow
  // with every emitter the explaining calls make, and be what the heap
  // snapshots find new (six recorder entries a request on an express app).
  const worstListeners = recorder.worst()
  recorder.stop()
  recorder.pairs = []
  const explainStarted = performance.now()
  if (verdicts.some((v) => v.kind === 'heap' && v.outcome === 'leak')) {
    sampling.start()
    const calls = Math.max(1, Math.min(SITE_CALLS, lastSize, Math.floor((state.deadline - performance.now()) / Math.max(perCallMs, 1e-6))))
    // A fresh loop, not callMany: by now TurboFan has inlined the function
    // into callMany, and the profiler would see only leakguard's frame.
    const loop = state.async ? 'return (async () => { for (let i = 0; i < n; i++) await fn() })()' : 'for (let i = 0; i < n; i++) fn()'
    const callFresh = (n) => new Function('fn', 'n', loop)(fn, n)
    try {
      await callFresh(calls)
    } catch {
      // A call that fails here only ends the sampling early: the verdict stands.
    }
    await new Promise((resolve) => setImmediate(resolve))
    heapSites = sampling.sites()
    sampling.stop()
    // After the verdict, in what is left of the budget: what the calls keep, and what holds it.
    if (opts.heapSnapshots) heapGrowth = await explainHeapLeak(callFresh, { batchSize: lastSize, perCallMs, leftMs: state.deadline - performance.now() })
  }
  timing.explainMs = performance.now() - explainStarted
  const perCall = {}
  for (const v of verdicts) perCall[PER_CALL_KEYS[v.kind]] = v.perCall
  const reports = verdicts
    .filter((v) => v.outcome === 'leak')
    .map((v) => {
      const report = { kind: v.kind, perCall: v.perCall, noisePerCall: v.noisePerCall }
      if (v.kind === 'heap') {
        report.allocationSites = heapSites ? heapSites.sites : []
        report.allocationStacks = heapSites ? heapSites.stacks : []
        if (heapGrowth) report.heapGrowth = heapGrowth
      }
      if (v.kind === 'listeners') {
        if (worstListeners) Object.assign(report, worstListeners)
      }
      report.message = describeCheckReport(report, v.calls)
      return report
    })
  const result = {
    leaked: reports.length > 0,
    kinds: reports.map((r) => r.kind),
    perCall,
    iterations: measured,
    warmup: warmupDone,
    batchSize: lastSize,
    rounds: rounds.length,
    truncated,
    undecided: verdicts.filter((v) => v.outcome === 'measure-again').map((v) => v.kind),
    elapsedMs: Math.round(performance.now() - state.started),
    timing: Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, Math.round(v)])),
    reports,
  }
  // For CI artifacts: a failing check's report (lib/report/check-report.js).
  const reportDir = process.env.LEAKGUARD_REPORT_DIR
  if (result.leaked && reportDir) result.reportFile = writeCheckReport(reportDir, fn.name, result)
  return result
}

/** Rejects with `ERR_LEAK_DETECTED` when `checkLeak` finds growth; resolves the result otherwise. */
async function assertNoLeak(fn, options) {
  const result = await checkLeak(fn, options)
  if (result.leaked) {
    const error = codedError('ERR_LEAK_DETECTED', describeCheckFailure(fn.name, result))
    error.result = result
    throw error
  }
  return result
}

module.exports = { KINDS, assertNoLeak, checkLeak, observeChecks }
