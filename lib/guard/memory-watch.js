'use strict'
// Samples this thread's memory on a timer, feeds GC readings in between, and
// hands the monitor's reports on. The judging is done in Rust (MemoryMonitorHandle).

const v8 = require('node:v8')
const { performance } = require('node:perf_hooks')
const { MemoryMonitorHandle, memoryExchangeSlots, memoryHeapStates, nativeSource } = require('../native')
const { subscribe } = require('../gc')
const { CompiledCodeLevel } = require('./compiled-code')

/** Each slot's index in the Float64Array a reading and a sample's outcome cross to Rust in (src/binding/memory_monitor.rs). */
const SLOT = Object.fromEntries(memoryExchangeSlots().map((name, i) => [name, i]))
const SLOT_COUNT = Object.keys(SLOT).length
/** The heap states the outcome's `heapState` slot numbers. */
const HEAP_STATES = memoryHeapStates()

const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space'])
/** Where V8 keeps machine code: the compiled-code level's fallback on a large heap (lib/guard/compiled-code.js). */
const CODE_SPACES = new Set(['code_space', 'code_large_object_space'])

/**
 * Bytes in use in the young generation and in the rest of the heap, and the
 * rest's committed size (what V8 holds against the old generation's limit),
 * and the part of the rest in the code spaces.
 */
function heapSpaces() {
  let young = 0
  let rest = 0
  let restCommitted = 0
  let code = 0
  for (const space of v8.getHeapSpaceStatistics()) {
    if (YOUNG_SPACES.has(space.space_name)) young += space.space_used_size
    else {
      rest += space.space_used_size
      restCommitted += space.space_size
      if (CODE_SPACES.has(space.space_name)) code += space.space_used_size
    }
  }
  return { young, rest, restCommitted, code }
}

/** V8's young generation holds three semi-spaces of this size (64-bit default) beyond the old generation's limit. */
const DEFAULT_SEMI_SPACE_MIB = 16

/** A V8 flag's value from this process's flags (`--max-semi-space-size=32`), or null. */
function flagValue(name) {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS || '').split(/\s+/)]
  for (let i = 0; i < args.length; i++) {
    const m = new RegExp(`^--${name}(?:=(\\d+))?$`).exec(args[i].replace(/_/g, '-'))
    if (m) return Number(m[1] !== undefined ? m[1] : args[i + 1])
  }
  return null
}

/**
 * The old generation's limit: what the heap dies against. V8's
 * `heap_size_limit` adds three semi-spaces of young generation to it (with
 * `--max-old-space-size=64` it reads 112 MiB, and the heap dies short of 64).
 */
function oldGenerationLimit(heapLimit) {
  const semi = (flagValue('max-semi-space-size') || DEFAULT_SEMI_SPACE_MIB) * 1048576
  const old = heapLimit - 3 * semi
  return old > heapLimit / 4 ? old : heapLimit
}

/** Milliseconds since the epoch, on a monotonic clock. */
function now() {
  return performance.timeOrigin + performance.now()
}

class MemoryWatch {
  /**
   * @param {object} settings
   * @param {import('../gc').GcBudget} settings.gcBudget the guard's access to forced GCs
   * @param {object} settings.monitor options for MemoryMonitorHandle
   * @param {(reports: object[]) => void} settings.deliver receives new reports
   * @param {import('./overhead').Overhead} settings.overhead the guard's own time
   */
  constructor({ gcBudget, monitor, deliver, overhead }) {
    this.gcBudget = gcBudget
    this.overhead = overhead
    this.warmupSamples = monitor.warmupSamples
    this.monitor = new MemoryMonitorHandle(monitor)
    /** The reading handed to the monitor, and the sample's outcome it writes back. */
    this.exchange = new Float64Array(SLOT_COUNT)
    // Until the first sample's outcome says otherwise, compilation may excuse growth.
    this.exchange[SLOT.weighsCompilation] = 1
    this.deliver = deliver
    /** What the heap dies against: the old generation's limit. */
    this.heapLimit = oldGenerationLimit(v8.getHeapStatistics().heap_size_limit)
    /** The old generation's committed bytes at the latest sample. */
    this.oldCommitted = 0
    /** The compiled-code level heap growth is weighed against. */
    this.compiled = new CompiledCodeLevel()
    this.lastArrayBuffers = 0
    /** Young-generation bytes right after the latest GC: what survived it there. */
    this.youngAfterGc = 0
    this.majorGcSeen = false
    this.samples = 0
    this.unsubscribe = null
    this.latest = null
    /** The heap's state and each kind's judged level after the latest sample. */
    this.heapStateNow = 'warming-up'
    this.levels = [NaN, NaN, NaN]
    /** Whether heap and native growth are still judged as settling (a minute of this thread's own time). */
    this.settling = true
    /** When the settling minute ended (ms since the epoch), or null while it runs. */
    this.settledAt = null
  }

  start() {
    this.unsubscribe = subscribe(this)
  }

  /** The heap kind's state after the latest sample: 'warming-up', 'watching', 'suspected', 'leaking' or 'off'. */
  heapState() {
    return this.heapStateNow
  }

  stop() {
    if (this.unsubscribe) this.unsubscribe()
    this.unsubscribe = null
    this.monitor.close()
  }

  /**
   * After a GC V8 ran on its own. After a mark-compact the heap level is a
   * live level now; its dead ArrayBuffers are swept concurrently and counted
   * as freed only later, so external and native levels are read as live at
   * the next sample.
   */
  onGc(major) {
    this.overhead.measure(() => this.afterGc(major))
  }

  afterGc(major) {
    this.youngAfterGc = heapSpaces().young
    if (!major) {
      this.monitor.recordGc(this.read())
      return
    }
    this.majorGcSeen = true
    this.recordLive(true, false, false)
  }

  /** Right after a forced full-GC pair (this guard's, another's, or a leak check's). */
  onForcedGc() {
    this.youngAfterGc = heapSpaces().young
    this.majorGcSeen = false
    this.recordLive(true, true, true)
  }

  recordLive(heap, offHeap, forced) {
    const reports = this.monitor.recordLive(this.read(), heap, offHeap, forced)
    if (reports.length > 0) this.deliver(reports)
  }

  /**
   * This isolate's memory now, written to the exchange array (returned);
   * `usage` is a `process.memoryUsage()` already read. The heap level
   * counts the young generation as the latest GC left it: its garbage
   * since is noise, while what survived there is live data the old
   * generation will only see when it is promoted, seconds later.
   */
  read(usage) {
    const h = v8.getHeapStatistics()
    const spaces = heapSpaces()
    this.oldCommitted = spaces.restCommitted
    const x = this.exchange
    x[SLOT.atMs] = now()
    x[SLOT.heapLive] = spaces.rest + this.youngAfterGc
    x[SLOT.heapCode] = this.compiled.level(x[SLOT.atMs], spaces.code, spaces.rest + spaces.young, x[SLOT.weighsCompilation] === 1)
    x[SLOT.heapTotal] = h.total_heap_size
    x[SLOT.heapLimit] = this.heapLimit
    x[SLOT.external] = h.external_memory
    x[SLOT.arrayBuffers] = usage ? usage.arrayBuffers : this.lastArrayBuffers
    x[SLOT.rss] = usage ? usage.rss : 0
    x[SLOT.v8Malloced] = h.malloced_memory
    return x
  }

  /** Takes one sample; called by the guard's timer. */
  sample() {
    const m = process.memoryUsage()
    this.lastArrayBuffers = m.arrayBuffers
    if (this.majorGcSeen) {
      this.majorGcSeen = false
      this.recordLive(false, true, false)
    }
    this.samples++
    const reports = this.monitor.recordSample(this.read(m))
    const x = this.exchange
    this.latest = m
    this.heapStateNow = HEAP_STATES[x[SLOT.heapState]]
    this.levels = [x[SLOT.heapLevel], x[SLOT.externalLevel], x[SLOT.nativeLevel]]
    const settling = x[SLOT.settling] === 1
    if (this.settling && !settling) this.settledAt = Math.round(now())
    this.settling = settling
    if (reports) this.deliver(reports)
    // The anchor, once warm-up ends: a live-size baseline to measure the
    // first window's growth from, free of the garbage start-up leaves.
    if (this.samples === this.warmupSamples + 1) this.gcBudget.request('anchor')
    else if (x[SLOT.wantsFullGc] === 1) this.gcBudget.request('memory')
  }

  stats() {
    const m = this.latest
    return {
      samples: this.samples,
      settledAt: this.settledAt,
      nativeSource: nativeSource(),
      latest: m && {
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        heapLimit: this.heapLimit,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        rss: m.rss,
      },
      memory: this.monitor.status(),
    }
  }
}

module.exports = { MemoryWatch, now, oldGenerationLimit }
