'use strict'
// `start()` and the Guard it returns: owns what watches this thread and
// delivers reports to `onLeak`, or as `LeakWarning`s.

const { GcBudget } = require('../gc')
const { ListenerWatch } = require('./listener-watch')
const { MemoryWatch, now } = require('./memory-watch')
const { ObjectWatch } = require('./object-watch')
const { normalizeStartOptions, monitorOptions } = require('./options')
const { invalidArgType, validateObject } = require('../errors')
const { AlertGate } = require('../alerting/alert-gate')
const { SnapshotTaker, captureHeapSnapshot } = require('../snapshot/snapshots')
const { Recorder } = require('../report/recorder')
const { reportDocument } = require('../report/document')
const { renderReport } = require('../report/render')
const { Overhead } = require('./overhead')
const { Forensics } = require('../alerting/forensics')
const { GuardSites } = require('./sites')
const { GuardFindings } = require('./findings')
const { TimelineFeed } = require('./timeline-feed')
const { SampleClock } = require('./sample-clock')

/** How often a guard logging JSON writes its timeline (a `LeakTimeline` line). */
const JSON_TIMELINE_MS = 30_000

class Guard {
  /** @param {ReturnType<typeof normalizeStartOptions>} options */
  constructor(options) {
    this.options = options
    this.snapshots = options.snapshot ? new SnapshotTaker(options.snapshot) : null
    this.alerts = new AlertGate({
      minIntervalMs: options.alerts.minIntervalMs,
      realertMs: options.alerts.realertMs,
      sendLeak: (report) => this.dispatch(report),
      sendResolved: (report) => this.findings.resolved(report),
    })
    /** Called once when the guard stops (metrics unregister themselves). */
    this.stopHooks = []
    this.running = true
    this.finalStats = null
    // Forced GCs are rare by design: one anchor pair when warm-up ends, then
    // only when a detector asks (a suspicion and its follow-up, a leak that
    // may have ended, an overdue object), one pair per block of a window (a
    // sixth of minSamples) at most on average (lib/gc.js draws each gap).
    this.gcBudget = new GcBudget({ allowForced: options.confirmWithGc, minGapMs: Math.max(1, options.minSamples / 6) * options.intervalMs })
    /** This guard's own main-thread time (lib/guard/overhead.js). */
    this.overhead = new Overhead()
    this.memory = new MemoryWatch({
      gcBudget: this.gcBudget,
      overhead: this.overhead,
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
    this.recorder = new Recorder({
      options,
      heapLimit: this.memory.heapLimit,
      jsonLog: options.log === 'json',
      recordFile: options.record ? options.record.file : null,
      flushMs: options.record ? options.record.flushMs : JSON_TIMELINE_MS,
    })
    /** Allocation sites of heap growth: when the sampler runs for this guard, and heap reports held for their sites. */
    this.sites = new GuardSites({
      mode: options.allocationSites,
      confirmWithGc: options.confirmWithGc,
      warmupSamples: options.warmupSamples,
      profileDir: options.snapshot ? options.snapshot.dir : null,
      keepProfile: Boolean(options.forensics),
      memory: this.memory,
      overhead: this.overhead,
      send: (report) => this.findings.leak(report),
    })
    /** Where findings go once let through: sentence, snapshot, recorder, log, observers, subscribers. */
    this.findings = new GuardFindings({
      options,
      recorder: this.recorder,
      snapshots: this.snapshots,
      sites: this.sites,
      overhead: this.overhead,
      isOpen: (identity) => this.running && this.alerts.isOpen(identity),
    })
    this.forensics = options.forensics
      ? new Forensics(options.forensics, {
          report: (format) => this.report({ format }),
          stats: () => this.stats(),
          profile: () => this.sites.profileForForensics(),
          jsonLog: options.log === 'json',
          event: (at, type, fields) => this.recorder.event(at, type, fields),
        })
      : null
    this.timeline = new TimelineFeed({
      recorder: this.recorder,
      memory: this.memory,
      gcBudget: this.gcBudget,
      listeners: this.listeners,
      forensics: this.forensics,
      warmupSamples: options.warmupSamples,
      msUntilHeapLimit: () => this.msUntilHeapLimit(),
    })
    this.memory.start()
    if (this.listeners) this.listeners.start()
    this.clock = new SampleClock({ intervalMs: options.intervalMs, overhead: this.overhead, onTick: () => this.tick() })
    this.clock.start()
  }

  /** One sample of everything this guard watches. */
  tick() {
    this.memory.sample()
    this.sites.onSample()
    if (this.listeners && this.running) this.deliver(this.listeners.sample(now()))
    if (this.running) this.deliver(this.objects.sample(now()))
    if (!this.running) return
    const at = now()
    this.timeline.sample(at)
    // The core says which reported leaks are over (and may then report them
    // afresh); the gate sends `resolved` for those it let through.
    for (const identity of this.memory.monitor.takeEnded()) this.alerts.end(identity, at)
    if (this.listeners) for (const identity of this.listeners.takeEnded()) this.alerts.end(identity, at)
    for (const identity of this.objects.takeEnded()) this.alerts.end(identity, at)
    if (this.alerts.size > 0) this.alerts.tick(at)
  }

  // The public methods (track, expectCollected, captureHeapSnapshot, on,
  // off, stop, report, stats) are documented once, in index.d.ts (`Guard`).

  track(obj, label) {
    return this.objects.track(obj, label, Guard.prototype.track)
  }

  expectCollected(obj, label, options) {
    this.objects.expectCollected(obj, label, options, Guard.prototype.expectCollected)
  }

  /** Passes the detectors' reports through the per-leak alert gate (lib/alerting/alert-gate.js), which dispatches them. */
  deliver(reports) {
    for (const report of reports) {
      if (!this.running) return
      this.alerts.offer(report, now())
    }
  }

  /** A report the alert gate lets through: a heap report may first wait for its sites. */
  dispatch(report) {
    if (!this.sites.holds(report)) this.findings.leak(report)
  }

  /** leakguard's own: `observe(report)` sees every report sent (it must not throw); returns the removal. */
  observeReports(observe) {
    return this.findings.observe(observe)
  }

  /** leakguard's own: `hook()` runs once when the guard stops (at once if it has). */
  onStop(hook) {
    if (!this.running) return hook()
    this.stopHooks.push(hook)
  }

  captureHeapSnapshot(options) {
    return captureHeapSnapshot(options, this.options.snapshot)
  }

  on(event, listener) {
    this.findings.events.on(event, listener)
    return this
  }

  off(event, listener) {
    this.findings.events.off(event, listener)
    return this
  }

  stop() {
    if (!this.running) return
    // Held reports go out now, with the sites sampled so far.
    this.sites.releaseHeld()
    // The last figures stay readable; the detectors' memory is freed now.
    this.finalStats = { ...this.stats(), running: false }
    this.recorder.stop(this.finalStats)
    this.running = false
    this.clock.stop()
    if (this.snapshots) this.snapshots.stop()
    this.sites.stop()
    this.memory.stop()
    if (this.listeners) this.listeners.stop()
    this.objects.stop()
    running.delete(this)
    for (const hook of this.stopHooks.splice(0)) {
      try {
        hook()
      } catch {
        // A registry that fails to let go must not keep the guard from stopping.
      }
    }
  }

  report(options) {
    if (options === undefined) options = {}
    validateObject(options, 'options')
    const format = options.format === undefined ? 'html' : options.format
    if (typeof format !== 'string') throw invalidArgType('options.format', 'of type string', format)
    const entry = this.recorder.toProcess({ host: require('node:os').hostname(), pid: process.pid, threadId: require('node:worker_threads').threadId }, this.stats())
    return renderReport(reportDocument([entry], { source: 'this process' }), format)
  }

  /**
   * While a heap leak is reported (sent, not held for its sites) and not
   * over: the time left until the heap limit, from its latest report's
   * projection less the time since; else null.
   */
  msUntilHeapLimit() {
    const latest = this.alerts.latestOf('heap')
    // A report still waiting for its sites is not out yet.
    if (!latest || latest.msUntilLimit == null || this.sites.isHeld(latest)) return null
    return Math.max(0, latest.msUntilLimit - (now() - latest.detectedAt))
  }

  stats() {
    if (this.finalStats) return this.finalStats
    const memory = this.memory.stats()
    return {
      running: this.running,
      intervalMs: this.options.intervalMs,
      reports: this.findings.sent,
      ...memory,
      allocationSites: this.sites.status(),
      forcedGcs: this.gcBudget.forced,
      overhead: this.overhead.stats(),
      msUntilHeapLimit: this.msUntilHeapLimit(),
      forcedGcsBy: { ...this.gcBudget.byReason },
      listeners: this.listeners ? this.listeners.stats() : null,
      objects: this.objects.stats(),
    }
  }
}

/** Guards of this thread that run, in start order. */
const running = new Set()

/** Starts watching this thread's memory; see README for the options. */
function start(options) {
  const guard = new Guard(normalizeStartOptions(options))
  running.add(guard)
  return guard
}

/** The latest guard started in this thread that still runs, or null. */
function latestRunningGuard() {
  let latest = null
  for (const guard of running) latest = guard
  return latest
}

module.exports = { Guard, latestRunningGuard, start }
