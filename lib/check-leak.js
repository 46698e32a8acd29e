'use strict'
// checkLeak(fn) and assertNoLeak(fn): call a function many times in batches,
// measure after full GCs at each batch boundary, and judge (in Rust) whether
// anything grew with the number of calls.

const path = require('node:path')
const v8 = require('node:v8')
const { performance } = require('node:perf_hooks')
const native = require('./native')
const { ledgerClose, ledgerFile, ledgerOpen, nativeBytes, topCallSite } = native
const { settledGc } = require('./gc')
const { captureStack } = require('./stack')
const { codedError, validateFunction, validateNumber, validateObject } = require('./errors')
const { trackedAlive } = require('./object-watch')
const { interceptAdds } = require('./intercept-adds')
const { listenerCount } = require('./listener-hook')
const { describeEmitter } = require('./listener-watch')

const KINDS = ['heap', 'external', 'native', 'listeners', 'handles', 'objects']
const PER_CALL_KEYS = { heap: 'heapBytes', external: 'externalBytes', native: 'nativeBytes', listeners: 'listeners', handles: 'handles', objects: 'objects' }
const DEFAULTS = Object.freeze({ batches: 8, minBatchSize: 50, maxBatchSize: 5000, batchMs: 10 })
const OWN_FILES = [__dirname + path.sep]
/** Larger-batch rounds when a measure is undecided, and how much larger. */
const MAX_EXTENSIONS = 2
const EXTENSION_FACTOR = 4
/** Every this-many adds to one emitter/event, an add stack is kept. */
const STACK_EVERY = 8

function normalizeCheckOptions(options) {
  if (options === undefined) options = {}
  validateObject(options, 'options')
  const { batches = DEFAULTS.batches, batchSize, warmup, kinds = KINDS, thresholds } = options
  validateNumber(batches, 'options.batches', { min: 3, max: 1000, integer: true })
  validateNumber(batchSize, 'options.batchSize', { optional: true, min: 1, max: 1e7, integer: true })
  validateNumber(warmup, 'options.warmup', { optional: true, min: 0, max: 1e7, integer: true })
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
  return { batches, batchSize, warmup, kinds, floors }
}

/**
 * Records every listener added while a check runs: which emitter/event pairs
 * the function touched, and a sample of where it added them.
 */
class ListenerRecorder {
  constructor() {
    this.pairs = []
    this.seen = new WeakMap()
    this.restore = interceptAdds((emitter, type) => this.note(emitter, type))
  }

  note(emitter, type) {
    let types = this.seen.get(emitter)
    if (!types) this.seen.set(emitter, (types = new Map()))
    let pair = types.get(type)
    if (!pair) {
      pair = { ref: new WeakRef(emitter), type, adds: 0, stacks: [], first: 0, last: 0 }
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

  /** Listeners on every recorded pair whose emitter is alive; forgets the dead. */
  count(mark) {
    let total = 0
    const alive = []
    for (const pair of this.pairs) {
      const emitter = pair.ref.deref()
      if (emitter === undefined) continue
      const n = listenerCount(emitter, pair.type)
      pair[mark] = n
      total += n
      alive.push(pair)
    }
    this.pairs = alive
    return total
  }

  /** The pair that gained the most listeners between the first and last reading. */
  worst() {
    let worst = null
    for (const pair of this.pairs) {
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
  }
}

/** Calls `fn` `n` times; awaits each call only when `fn` is asynchronous. */
async function callMany(fn, n, state) {
  for (let i = 0; i < n; i++) {
    let result
    try {
      result = fn()
      if (state.async || (result && typeof result.then === 'function')) {
        state.async = true
        await result
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      throw codedError('ERR_LEAK_CHECK_FN_FAILED', `The function under check failed on call ${(state.calls + 1).toLocaleString('en')}: ${message}`, { cause: error })
    }
    state.calls++
  }
}

/**
 * Calls `fn` in batches, measuring after full GCs between batches, and
 * resolves what grew per call. See README for the options.
 */
async function checkLeak(fn, options) {
  validateFunction(fn, 'fn')
  const opts = normalizeCheckOptions(options)
  const recorder = new ListenerRecorder()
  const ledgerId = ledgerOpen()
  const state = { calls: 0, async: false }
  try {
    // Warm-up: lazy singletons, caches that fill once and JIT tiers settle
    // here; its timing sizes the batches.
    const probeCalls = opts.warmup === undefined ? DEFAULTS.minBatchSize : Math.min(opts.warmup, DEFAULTS.minBatchSize)
    const started = performance.now()
    await callMany(fn, Math.max(1, probeCalls), state)
    const perCallMs = (performance.now() - started) / Math.max(1, probeCalls)
    const batchSize = opts.batchSize || Math.max(DEFAULTS.minBatchSize, Math.min(DEFAULTS.maxBatchSize, Math.round(DEFAULTS.batchMs / Math.max(perCallMs, 1e-6))))
    const warmup = opts.warmup === undefined ? batchSize : opts.warmup
    await callMany(fn, Math.max(0, warmup - state.calls), state)

    const read = async (series, calls, start, mark) => {
      // Let the batch's ticks, microtasks and close events run first: until
      // the job ends, objects it just made a WeakRef to cannot be collected.
      await settledGc()
      const memory = process.memoryUsage()
      const heap = v8.getHeapStatistics()
      ledgerFile(ledgerId, { arrayBuffers: memory.arrayBuffers, heapTotal: heap.total_heap_size, v8Malloced: heap.malloced_memory })
      // The whole V8 heap in use (young generation included): right after
      // full GCs, what the calls left alive.
      series.heap.push(heap.used_heap_size)
      series.external.push(memory.external)
      series.native.push(nativeBytes())
      series.listeners.push(recorder.count(mark))
      series.handles.push(process.getActiveResourcesInfo().length)
      series.objects.push(trackedAlive())
      calls.push(state.calls - start)
    }
    const measure = async (size) => {
      const series = Object.fromEntries(KINDS.map((k) => [k, []]))
      const calls = []
      const start = state.calls
      await read(series, calls, start, 'first')
      for (let b = 0; b < opts.batches; b++) {
        await callMany(fn, size, state)
        await read(series, calls, start, 'last')
      }
      const measured = state.calls - start
      const verdicts = native.judgeLeakCheck(
        opts.kinds.map((kind) => ({ kind, calls, values: series[kind], floorPerCall: opts.floors[kind] })),
        measured,
      )
      return { verdicts, measured, size }
    }
    const warmupDone = state.calls
    // A measure whose slope passed its floor but whose steps were too noisy
    // to confirm it is measured again with larger batches (at most twice);
    // clean code never pays for that.
    let round = await measure(batchSize)
    for (let extra = 0; extra < MAX_EXTENSIONS && round.verdicts.some((v) => v.undecided); extra++) {
      round = await measure(round.size * EXTENSION_FACTOR)
    }
    const { verdicts, measured } = round
    const perCall = {}
    for (const v of verdicts) perCall[PER_CALL_KEYS[v.kind]] = v.perCall
    const reports = verdicts
      .filter((v) => v.leaked)
      .map((v) => {
        const report = { kind: v.kind, perCall: v.perCall, noisePerCall: v.noisePerCall, message: v.description }
        if (v.kind === 'listeners') {
          const worst = recorder.worst()
          if (worst) {
            Object.assign(report, worst)
            report.message += ` (${worst.emitter} '${worst.eventName}'${worst.addSite ? `, added at ${worst.addSite}` : ''})`
          }
        }
        return report
      })
    return {
      leaked: reports.length > 0,
      kinds: reports.map((r) => r.kind),
      perCall,
      iterations: measured,
      warmup: warmupDone,
      batchSize: round.size,
      reports,
    }
  } finally {
    recorder.stop()
    ledgerClose(ledgerId)
  }
}

/** Rejects with `ERR_LEAK_DETECTED` when `checkLeak` finds growth; resolves the result otherwise. */
async function assertNoLeak(fn, options) {
  const result = await checkLeak(fn, options)
  if (result.leaked) {
    const name = fn.name ? `${fn.name}()` : 'The function'
    const error = codedError('ERR_LEAK_DETECTED', `${name} leaks: ${result.reports.map((r) => r.message).join('; ')}`)
    error.result = result
    throw error
  }
  return result
}

module.exports = { KINDS, assertNoLeak, checkLeak }
