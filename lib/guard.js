'use strict'
// `start()` and the Guard it returns: owns what watches this thread and
// delivers reports to `onLeak`, or as `LeakWarning`s.

const { ListenerWatch } = require('./listener-watch')
const { MemoryWatch, now } = require('./memory-watch')
const { ObjectWatch } = require('./object-watch')
const { normalizeStartOptions, monitorOptions } = require('./start-options')
const { emitCallbackWarning, emitLeakWarning } = require('./warnings')

class Guard {
  /** @param {ReturnType<typeof normalizeStartOptions>} options */
  constructor(options) {
    this.options = options
    this.reportCount = 0
    this.running = true
    this.memory = new MemoryWatch({
      intervalMs: options.intervalMs,
      confirmWithGc: options.confirmWithGc,
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
      requestFullGc: () => this.memory.requestFullGc(),
    })
    this.memory.start()
    if (this.listeners) this.listeners.start()
    this.timer = setInterval(() => this.tick(), options.intervalMs)
    this.timer.unref()
  }

  /** One sample of everything this guard watches. */
  tick() {
    this.memory.sample()
    if (this.listeners && this.running) this.deliver(this.listeners.sample(now()))
    if (this.running) this.deliver(this.objects.sample(now()))
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
    this.running = false
    clearInterval(this.timer)
    this.memory.stop()
    if (this.listeners) this.listeners.stop()
    this.objects.stop()
  }

  /** The latest figures. */
  stats() {
    const memory = this.memory.stats()
    return {
      running: this.running,
      intervalMs: this.options.intervalMs,
      reports: this.reportCount,
      ...memory,
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
