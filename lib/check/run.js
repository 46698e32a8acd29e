'use strict'
// One leak check, in stages: warm up, measure rounds of batches with full-GC
// readings between them, decide each kind (in Rust: judgeLeakRounds), explain
// a confirmed heap leak (sites, then one snapshot), and build the result.

const v8 = require('node:v8')
const { performance } = require('node:perf_hooks')
const native = require('../native')
const { ledgerClose, ledgerFile, ledgerOpen, nativeBytes } = native
const { settledGc } = require('../gc')
const { holdInliningOff } = require('../inlining')
const { codedError } = require('../errors')
const { describeCheckReport } = require('../report/describe')
const { writeCheckReport } = require('../report/check-report')
const { trackedAlive } = require('../guard/object-watch')
const { explainHeapLeak } = require('./explain-heap')
const { ListenerRecorder } = require('./listener-recorder')
const { CheckSampling } = require('./sampling')
const { ABANDONED, batchSizeFor, clockMaskFor, timedCalls, warmUp } = require('./calls')
const { KINDS, PER_CALL_KEYS } = require('./options')

/**
 * Rounds at most (the first and up to five with larger batches; the budget
 * usually ends them first), and how much larger each is. With four, a
 * leak of ~84 B a call from an async function whose rounds alternated
 * between found and too noisy to tell was left undecided in a CI run.
 */
const MAX_ROUNDS = 6
const ROUND_FACTOR = 2
/**
 * Calls sampled for a confirmed heap leak's sites: few enough that the loop
 * making them is not optimized (and the function inlined into it).
 */
const SITE_CALLS = 2000
/** A batch gets fewer calls once they would take this many times its planned time. */
const SLOWDOWN_LIMIT = 4
/** Readings a round needs to be judged (four steps between batches). */
const MIN_READINGS = 5

/** Bytes of machine code in this thread's V8 heap (the code spaces). */
function codeBytes() {
  let total = 0
  for (const space of v8.getHeapSpaceStatistics()) {
    if (space.space_name.startsWith('code_')) total += space.space_used_size
  }
  return total
}

/** The state of one check: what it measured so far, and where its time went. */
class CheckRun {
  /**
   * @param {Function} fn the function under check
   * @param {object} opts normalized options (./options.js)
   * @param {object} state the watchdog's state (deadline, calls, cleanups)
   */
  constructor(fn, opts, state) {
    this.fn = fn
    this.opts = opts
    this.state = state
    this.recorder = new ListenerRecorder()
    state.cleanups.push(() => this.recorder.stop())
    this.sampling = new CheckSampling()
    state.cleanups.push(() => this.sampling.stop())
    this.ledgerId = ledgerOpen()
    state.cleanups.push(() => ledgerClose(this.ledgerId))
    // Functions the check's calls make hot are optimized without inlining, so
    // that a confirmed leak's sampled sites name the function that allocates
    // (a store's createSession), not the test's arrow it was inlined into.
    state.cleanups.push(holdInliningOff())
    this.timing = { warmupMs: 0, callsMs: 0, readsMs: 0, reads: 0, explainMs: 0 }
    /** Wall-clock time per call in the latest batch: what fits the time left. */
    this.perCallMs = Infinity
    /** Time per call batches are sized by (./calls.js `timedCalls`: its own time for a synchronous function, wall time less its wait for a core). */
    this.sizingMs = Infinity
    /** The longest reading so far: a batch's share of the time left leaves room for one. */
    this.gcMs = 0
    this.warmupDone = 0
  }

  /** Warms up until the time per call settles (./calls.js). */
  async warmUp() {
    const started = performance.now()
    const { wallMs, sizingMs } = await warmUp(this.fn, this.opts, this.state)
    this.perCallMs = wallMs
    this.sizingMs = sizingMs
    this.timing.warmupMs = performance.now() - started
    this.warmupDone = this.state.calls
  }

  /** One reading of every kind after a settled GC, appended to `series`; `calls` gets the calls so far in the round. */
  async read(series, calls, start, mark) {
    const before = performance.now()
    // Let the batch's ticks, microtasks and close events run first: until
    // the job ends, objects it just made a WeakRef to cannot be collected.
    await settledGc()
    if (this.state.abandoned) throw ABANDONED
    const memory = process.memoryUsage()
    const heap = v8.getHeapStatistics()
    ledgerFile(this.ledgerId, { arrayBuffers: memory.arrayBuffers, heapTotal: heap.total_heap_size, v8Malloced: heap.malloced_memory })
    // The V8 heap in use (young generation included) but for machine code:
    // right after full GCs, what the calls left alive. V8 compiles and
    // recompiles hot functions in its own time for thousands of calls (an
    // express request's code grew ~100 B a call over 8,000 requests); code
    // a leak keeps is held by objects in the other spaces, which are counted.
    series.heap.push(heap.used_heap_size - codeBytes())
    series.external.push(memory.external)
    series.native.push(nativeBytes())
    series.listeners.push(this.recorder.count(mark))
    series.handles.push(process.getActiveResourcesInfo().length)
    series.objects.push(trackedAlive())
    calls.push(this.state.calls - start)
    const readMs = performance.now() - before
    this.gcMs = Math.max(this.gcMs, readMs)
    this.timing.readsMs += readMs
    this.timing.reads++
  }

  /**
   * A batch of `size` calls, shrunk so that the round fits the wall-clock
   * time left, or when the calls slow down: a batch may take
   * `SLOWDOWN_LIMIT` times its planned time `plannedMs` (in the time batches
   * are sized by, so a busy neighbour does not count as a slowdown) when
   * calls slow down (each new EventTarget listener is checked against the
   * whole list), then it gets fewer calls. Returns whether every planned
   * call was made.
   */
  async runBatch(size, plannedMs, batchesLeft) {
    const { state, opts } = this
    const left = state.deadline - performance.now()
    const fitsLeft = Math.floor((left / batchesLeft - this.gcMs) / Math.max(this.perCallMs, 1e-6))
    const fitsSlowdown = Math.floor((SLOWDOWN_LIMIT * plannedMs) / Math.max(this.sizingMs, 1e-6))
    const batch = opts.batchSize ? size : Math.max(1, Math.min(size, fitsLeft, fitsSlowdown))
    const started = performance.now()
    const { made, wallMs, sizingMs } = await timedCalls(this.fn, batch, state)
    this.timing.callsMs += performance.now() - started
    if (made > 0) {
      this.perCallMs = wallMs
      this.sizingMs = sizingMs
    }
    state.clockMask = clockMaskFor(this.perCallMs)
    return made === batch
  }

  /**
   * One round: `opts.batches` batches of `size` calls with a reading before
   * and after each; it ends early at the deadline. Resolves `{ series,
   * calls, complete, measured }`.
   */
  async measureRound(size, settle) {
    const { opts, state } = this
    const plannedMs = size * Math.max(this.sizingMs, 1e-6)
    // A later round first runs one batch at its larger size unmeasured:
    // buffers and pools that grow with the burst size settle there.
    if (settle) await this.runBatch(size, plannedMs, opts.batches + 1)
    this.recorder.nextRound()
    const series = Object.fromEntries(KINDS.map((k) => [k, []]))
    const calls = []
    const start = state.calls
    let complete = true
    await this.read(series, calls, start, 'first')
    for (let b = 0; b < opts.batches; b++) {
      const whole = await this.runBatch(size, plannedMs, opts.batches - b)
      await this.read(series, calls, start, 'last')
      if (!whole && performance.now() > state.deadline) {
        complete = false
        break
      }
      if (this.clearlyClean(series, calls, start)) break
    }
    return { series, calls, complete, measured: state.calls - start }
  }

  /**
   * Whether the round's readings so far show every kind clean beyond doubt
   * (in Rust: `clearly_clean`), so its last batches would only confirm it:
   * a clean check ends after five readings instead of nine. `start` is the
   * calls made before the round. A leak always gets its whole round and a
   * confirming one.
   */
  clearlyClean(series, calls, start) {
    return native.roundClearlyClean(this.measures(series, calls), start)
  }

  /** A round's readings as the core judges them: one series per kind checked. */
  measures(series, calls) {
    return this.opts.kinds.map((kind) => ({ kind, calls, values: series[kind], floorPerCall: this.opts.floors[kind] }))
  }

  /**
   * Rounds until every kind is decided, a leak is confirmed, or the budget
   * ends. Resolves `{ verdicts, rounds, measured, lastSize, truncated }`.
   */
  async decide() {
    const { opts, state } = this
    const rounds = []
    let verdicts = []
    let measured = 0
    let lastSize = 0
    let truncated = false
    let size = opts.batchSize || batchSizeFor(this.sizingMs)
    for (let r = 0; r < MAX_ROUNDS; r++) {
      const left = state.deadline - performance.now()
      if (r > 0 && left < opts.batches * (this.gcMs + this.perCallMs)) {
        truncated = true
        break
      }
      const round = await this.measureRound(size, r > 0)
      if (round.calls.length < MIN_READINGS) {
        truncated = true
        break
      }
      rounds.push(this.measures(round.series, round.calls))
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
      throw codedError('ERR_LEAKGUARD_CHECK_TIMEOUT', `The function under check is too slow for the ${opts.timeoutMs.toLocaleString('en')} ms budget: ${state.calls.toLocaleString('en')} calls (${this.warmupDone.toLocaleString('en')} of them warm-up) left fewer than ${MIN_READINGS} readings to judge; raise options.timeoutMs`)
    }
    return { verdicts, rounds: rounds.length, measured, lastSize, truncated }
  }

  /**
   * What explains the verdicts: the listener pair that grew most, and for a
   * confirmed heap leak its sites (one more batch, sampled finely, after
   * the verdict: sampling during the measured rounds would slow the calls
   * it measures) and what each call keeps (./explain-heap.js). Resolves
   * `{ worstListeners, heapSites, heapGrowth }`.
   */
  async explain(verdicts, lastSize) {
    const { opts, state } = this
    // The listener recorder's work is done: its pairs would otherwise grow
    // with every emitter the explaining calls make, and be what the heap
    // snapshot finds new (six recorder entries a request on an express app).
    const worstListeners = this.recorder.worst()
    this.recorder.stop()
    let heapSites = null
    let heapGrowth = null
    const started = performance.now()
    if (verdicts.some((v) => v.kind === 'heap' && v.outcome === 'leak')) {
      this.sampling.start()
      const calls = Math.max(1, Math.min(SITE_CALLS, lastSize, Math.floor((state.deadline - performance.now()) / Math.max(this.perCallMs, 1e-6))))
      // A fresh loop, not callMany: by now TurboFan has inlined the function
      // into callMany, and the profiler would see only leakguard's frame.
      const loop = state.async ? 'return (async () => { for (let i = 0; i < n; i++) await fn() })()' : 'for (let i = 0; i < n; i++) fn()'
      const callFresh = (n) => new Function('fn', 'n', loop)(this.fn, n)
      try {
        await callFresh(calls)
      } catch {
        // A call that fails here only ends the sampling early: the verdict stands.
      }
      await new Promise((resolve) => setImmediate(resolve))
      heapSites = this.sampling.sites()
      this.sampling.stop()
      // After the verdict, in what is left of the budget: what the calls keep, and what holds it.
      if (opts.heapSnapshots) heapGrowth = await explainHeapLeak(callFresh, { batchSize: lastSize, perCallMs: this.perCallMs, leftMs: state.deadline - performance.now() })
    }
    this.timing.explainMs = performance.now() - started
    return { worstListeners, heapSites, heapGrowth }
  }

  /** The result `checkLeak` resolves: verdicts as reports with their messages, and what the check did. */
  buildResult({ verdicts, rounds, measured, lastSize, truncated }, { worstListeners, heapSites, heapGrowth }) {
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
    return {
      leaked: reports.length > 0,
      kinds: reports.map((r) => r.kind),
      perCall,
      iterations: measured,
      warmup: this.warmupDone,
      batchSize: lastSize,
      rounds,
      truncated,
      undecided: verdicts.filter((v) => v.outcome === 'measure-again').map((v) => v.kind),
      elapsedMs: Math.round(performance.now() - this.state.started),
      timing: Object.fromEntries(Object.entries(this.timing).map(([k, v]) => [k, Math.round(v)])),
      reports,
    }
  }
}

/** Runs one check of `fn` inside the watchdog's `state`; resolves its result. */
async function runCheck(fn, opts, state) {
  const run = new CheckRun(fn, opts, state)
  await run.warmUp()
  const decided = await run.decide()
  const explained = await run.explain(decided.verdicts, decided.lastSize)
  const result = run.buildResult(decided, explained)
  // For CI artifacts: a failing check's report (lib/report/check-report.js).
  const reportDir = process.env.LEAKGUARD_REPORT_DIR
  if (result.leaked && reportDir) result.reportFile = writeCheckReport(reportDir, fn.name, result)
  return result
}

module.exports = { runCheck }
