'use strict'
// `start()` and the Guard it returns: owns what watches this thread and
// delivers reports to `onLeak`, or as `LeakWarning`s.

const { sampler } = require('./allocation-sampler')
const { GcBudget } = require('./gc')
const { ListenerWatch } = require('./listener-watch')
const { MemoryWatch, now } = require('./memory-watch')
const { ObjectWatch } = require('./object-watch')
const { normalizeStartOptions, monitorOptions } = require('./start-options')
const { emitCallbackWarning, emitLeakWarning } = require('./warnings')

/** A quiet heap's sampling window is renewed after this long, so the profile stays small. */
const SAMPLER_WINDOW_MS = 10 * 60_000
/** Samples between looks at the sampling window's age. */
const SAMPLER_CHECK_EVERY = 20

class Guard {
  /** @param {ReturnType<typeof normalizeStartOptions>} options */
  constructor(options) {
    this.options = options
    this.reportCount = 0
    this.running = true
    this.finalStats = null
    // Forced GCs are rare by design: one anchor pair when warm-up ends, then
    // only when a detector asks (a suspicion and its follow-up, a leak that
    // may have ended, an overdue object), at most one pair per block of a
    // window (a sixth of minSamples).
    this.gcBudget = new GcBudget({ allowForced: options.confirmWithGc, minGapMs: Math.max(1, options.minSamples / 6) * options.intervalMs })
    this.memory = new MemoryWatch({
      gcBudget: this.gcBudget,
      monitor: monitorOptions(options),
      deliver: (reports) => this.deliver(reports),
    })
    this.listeners = options.listeners
      ? new ListenerWatch({ minPoints: options.minSamples, maxPoints: options.maxSamples, minGrowthPerMinute: options.listeners.minGrowthPerMinute })
      : null
    this.objects = new ObjectWatch({
      minPoints: options.minSamples,
      maxPoints: options.maxSamples,
      minGrowthPerMinute: options.objects.minGrowthPerMinute,
      gcBudget: this.gcBudget,
    })
    // Allocation sites of heap growth: sampling starts when warm-up ends
    // (a guard stopped sooner never samples) and runs in windows that
    // restart after each heap report and every SAMPLER_WINDOW_MS while the
    // heap is quiet.
    this.sampler = options.allocationSites ? sampler : null
    this.sampling = false
    /** Full GCs V8 ran to hand out or drop this guard's profiles (one a read, one a restart). */
    this.samplerGcs = 0
    this.memory.start()
    if (this.listeners) this.listeners.start()
    this.timer = setInterval(() => this.tick(), options.intervalMs)
    this.timer.unref()
  }

  /** One sample of everything this guard watches. */
  tick() {
    this.memory.sample()
    if (this.sampler) this.renewSamplingWindow()
    if (this.listeners && this.running) this.deliver(this.listeners.sample(now()))
    if (this.running) this.deliver(this.objects.sample(now()))
  }

  /** Starts a fresh sampling window when warm-up ends, and when the window is old and the heap quiet. */
  renewSamplingWindow() {
    const samples = this.memory.samples
    if (!this.sampling) {
      if (samples < this.options.warmupSamples + 1) return
      this.sampling = true
      // Starting costs no GC; if another guard of this thread already
      // samples, its window goes on.
      this.sampler.acquire()
      return
    }
    const due = samples % SAMPLER_CHECK_EVERY === 0 && this.sampler.windowMs() >= SAMPLER_WINDOW_MS && this.memory.heapState() === 'watching'
    if (!due || !this.sampler.active) return
    this.sampler.restart()
    this.samplerGcs++
  }

  /** A heap report names the allocation sites of the growth (see lib/allocation-sampler.js). */
  addAllocationSites(report) {
    const ranked = this.sampling && this.sampler.active ? this.sampler.sites() : null
    report.allocationSites = ranked ? ranked.sites : []
    if (!ranked) return
    if (ranked.summary) report.message += `; ${ranked.summary}`
    // The next report's sites describe the growth after this one.
    this.sampler.restart()
    this.samplerGcs += 2
  }

  /**
   * Weak-tracks `obj` under `label` (it never keeps it alive) and returns it.
   * Tracking an object again counts it again (once per call); after stop()
   * it does nothing.
   */
  track(obj, label) {
    return this.objects.track(obj, label, Guard.prototype.track)
  }

  /** Reports `obj` if it is still alive `withinMs` after this call, across two full GCs. */
  expectCollected(obj, label, options) {
    this.objects.expectCollected(obj, label, options, Guard.prototype.expectCollected)
  }

  /** Hands reports to `onLeak`, or emits them as warnings. */
  deliver(reports) {
    for (const report of reports) {
      if (!this.running) return
      this.reportCount++
      if (report.kind === 'heap') this.addAllocationSites(report)
      const onLeak = this.options.onLeak
      if (!onLeak) {
        emitLeakWarning(report)
        continue
      }
      try {
        const result = onLeak(report)
        if (result && typeof result.then === 'function') {
          result.then(undefined, (error) => this.callbackFailed(error, report))
        }
      } catch (error) {
        this.callbackFailed(error, report)
      }
    }
  }

  /** A failing `onLeak` loses no report: the report goes out as a warning too. */
  callbackFailed(error, report) {
    emitCallbackWarning(error, report)
    emitLeakWarning(report)
  }

  /** Stops watching and undoes everything `start()` did. Idempotent. */
  stop() {
    if (!this.running) return
    // The last figures stay readable; the detectors' memory is freed now.
    this.finalStats = { ...this.stats(), running: false }
    this.running = false
    clearInterval(this.timer)
    if (this.sampling) this.sampler.release()
    this.memory.stop()
    if (this.listeners) this.listeners.stop()
    this.objects.stop()
  }

  /** What `stats().allocationSites` shows. */
  samplingStatus() {
    if (this.sampling) {
      const { active, samplingInterval, windowMs, unavailable } = this.sampler.status()
      return { active, samplingInterval, windowMs, unavailable, fullGcs: this.samplerGcs }
    }
    const unavailable = this.sampler ? 'starts when warm-up ends' : this.options.confirmWithGc ? 'turned off (allocationSites: false)' : 'turned off (allocationSites: false, the default with confirmWithGc: false)'
    return { active: false, samplingInterval: null, windowMs: 0, unavailable, fullGcs: this.samplerGcs }
  }

  /** The latest figures (after `stop()`, the last ones). */
  stats() {
    if (this.finalStats) return this.finalStats
    const memory = this.memory.stats()
    return {
      running: this.running,
      intervalMs: this.options.intervalMs,
      reports: this.reportCount,
      ...memory,
      allocationSites: this.samplingStatus(),
      forcedGcs: this.gcBudget.forced,
      forcedGcsBy: { ...this.gcBudget.byReason },
      listeners: this.listeners ? this.listeners.stats() : null,
      objects: this.objects.stats(),
    }
  }
}

/** Starts watching this thread's memory; see README for the options. */
function start(options) {
  return new Guard(normalizeStartOptions(options))
}

module.exports = { Guard, start }
