'use strict'
// A guard's allocation sites (lib/allocation-sampler.js): when it holds a
// lease on this thread's sampler, and the heap reports that wait for their
// window to hold enough samples. The guard calls onSample() every sample, holds(report)
// before sending a report, and addTo(report) as it sends a heap report.

const { COARSE_INTERVAL, SUSPICION_INTERVAL, sampler } = require('../allocation-sampler')
const { writePrivateFile } = require('../snapshot/heap-snapshot-file')
const { holdInliningOff } = require('../inlining')

/** A quiet heap's sampling window ('always') is renewed after this long, so the profile stays small. */
const SAMPLER_WINDOW_MS = 10 * 60_000
/** Samples between looks at the sampling window's age. */
const SAMPLER_CHECK_EVERY = 20
/** A heap report waits until its sampling window is this old, so its sites rest on enough samples. */
const MIN_SITES_WINDOW_MS = 5000
/** On-suspicion sampling stops after this many samples of a heap that is neither suspected nor leaking. */
const CALM_SAMPLES = 20

class GuardSites {
  /**
   * @param {object} o
   * @param {'on-suspicion' | 'always' | false} o.mode `allocationSites` as normalized
   * @param {boolean} o.confirmWithGc why sampling is off, when it is
   * @param {number} o.warmupSamples sampling never starts before warm-up ends
   * @param {string | null} o.profileDir where a heap report's `.heapprofile` goes (the snapshot directory)
   * @param {boolean} o.keepProfile keep the latest report's profile (for forensics bundles)
   * @param {object} o.memory the guard's MemoryWatch (its samples and heap state)
   * @param {object} o.overhead the guard's Overhead (a held report's release is its time)
   * @param {(report: object) => void} o.send sends a report that was held
   */
  constructor({ mode, confirmWithGc, warmupSamples, profileDir, keepProfile, memory, overhead, send }) {
    this.mode = mode
    this.confirmWithGc = confirmWithGc
    this.warmupSamples = warmupSamples
    this.profileDir = profileDir
    this.keepProfile = keepProfile
    this.memory = memory
    this.overhead = overhead
    this.send = send
    /** Whether this guard samples allocations at all (`allocationSites` not false). */
    this.enabled = Boolean(mode)
    /** This guard's lease on the sampler while it samples, else null. */
    this.lease = null
    /** Samples since the heap was last suspected or leaking. */
    this.calmSamples = 0
    /** Heap reports waiting for their sampling window to be MIN_SITES_WINDOW_MS old. */
    this.heldReports = []
    this.heldTimer = null
    /** Full GCs and windows of this guard's earlier leases (the current one counts its own). */
    this.pastGcs = 0
    this.pastWindows = 0
    /** Releases this guard's hold on inlining (lib/inlining.js), while it holds it off. */
    this.releaseInlining = null
    /** The profile behind the latest heap report's sites (forensics bundles fall back to it). */
    this.reportProfile = null
  }

  /**
   * Whether `report` is held (it goes out later through `send`): a heap
   * report whose window is too young, or a reminder of a report still held
   * (a reminder never overtakes the report it reminds of).
   */
  holds(report) {
    if ((report.kind === 'heap' && !report.repeat && this.enabled && this.mustHoldForSites()) || this.heldReports.some((held) => held.identity === report.identity)) {
      this.holdForSites(report)
      return true
    }
    return false
  }

  /** Whether `report` is waiting for its sites. */
  isHeld(report) {
    return this.heldReports.includes(report)
  }

  /** Ends this guard's sampling and its hold on inlining (the guard stops). */
  stop() {
    if (this.lease) this.endSampling()
    this.restoreInlining()
  }

  /**
   * When allocations are sampled. 'on-suspicion' (the default): from the
   * sample the heap is first suspected (or a heap report finds no window
   * open) at SUSPICION_INTERVAL; after a report at COARSE_INTERVAL while the
   * leak goes on; stopped after CALM_SAMPLES of a heap neither suspected
   * nor leaking. 'always': from the end of warm-up at COARSE_INTERVAL, the
   * window renewed every SAMPLER_WINDOW_MS while the heap is quiet.
   */
  /** Called every sample: opens, renews or closes the window as the mode says. */
  onSample() {
    if (!this.enabled) return
    const samples = this.memory.samples
    if (samples < this.warmupSamples + 1) return
    if (this.mode === 'always') {
      if (!this.lease) return this.beginSampling(COARSE_INTERVAL)
      const due = samples % SAMPLER_CHECK_EVERY === 0 && this.lease.windowMs() >= SAMPLER_WINDOW_MS && this.memory.heapState() === 'watching'
      if (due) this.lease.restart(COARSE_INTERVAL)
      return
    }
    const state = this.memory.heapState()
    if (state === 'suspected' || state === 'leaking') {
      this.calmSamples = 0
      if (!this.lease) this.beginSampling(SUSPICION_INTERVAL)
    } else if (this.lease && this.heldReports.length === 0 && ++this.calmSamples >= CALM_SAMPLES) {
      this.endSampling()
    }
  }

  /** Takes a lease on the sampler: this guard's window begins now (lib/allocation-sampler.js says what that costs). */
  beginSampling(interval) {
    this.calmSamples = 0
    // A suspicion's sites should name the allocating function, not a caller
    // it was inlined into: inlining is off until the report's sites are read.
    if (interval === SUSPICION_INTERVAL && !this.releaseInlining) this.releaseInlining = holdInliningOff()
    this.lease = sampler.lease(interval)
  }

  endSampling() {
    this.restoreInlining()
    this.lease.release()
    this.pastGcs += this.lease.fullGcs
    this.pastWindows += this.lease.windows
    this.lease = null
  }

  /** Lets V8 inline again (a no-op unless this guard holds it off). */
  restoreInlining() {
    if (!this.releaseInlining) return
    this.releaseInlining()
    this.releaseInlining = null
  }

  /**
   * Whether a heap report must wait for its sites: in 'on-suspicion' mode
   * the window may have opened moments ago (or not at all, when the heap
   * went from watching to a report in one sample). Opens one if needed.
   */
  mustHoldForSites() {
    if (this.mode !== 'on-suspicion') return false
    if (!this.lease) this.beginSampling(SUSPICION_INTERVAL)
    return this.lease.active && this.lease.windowMs() < MIN_SITES_WINDOW_MS
  }

  /** Holds a heap report until its sampling window is MIN_SITES_WINDOW_MS old. */
  holdForSites(report) {
    this.heldReports.push(report)
    if (this.heldTimer !== null) return
    // Not unref'd: the report must not be lost to an exit that only waited on it.
    this.heldTimer = setTimeout(() => this.overhead.measure(() => this.releaseHeld()), Math.max(0, MIN_SITES_WINDOW_MS - this.lease.windowMs()))
  }

  releaseHeld() {
    if (this.heldReports.length === 0) return
    clearTimeout(this.heldTimer)
    this.heldTimer = null
    const held = this.heldReports
    this.heldReports = []
    for (const report of held) this.send(report)
  }

  /** The live allocation profile for a forensics bundle (V8 runs a full GC to hand it out). */
  profileForForensics() {
    if (!this.lease) return null
    // A window restarted moments ago (a heap report was just sent) holds
    // little: the profile that report's sites came from says more.
    if (this.reportProfile && this.lease.windowMs() < MIN_SITES_WINDOW_MS) return this.reportProfile
    return this.lease.profile() || this.reportProfile
  }

  /**
   * A heap report names the allocation sites of the growth and their
   * stacks (see lib/allocation-sampler.js); with a snapshot directory, the
   * profile behind them is written there as a `.heapprofile` DevTools opens.
   */
  addTo(report) {
    const ranked = this.lease ? this.lease.sites() : null
    report.allocationSites = ranked ? ranked.sites : []
    report.allocationStacks = ranked ? ranked.stacks : []
    this.restoreInlining()
    if (!ranked) return
    /** The profile behind the latest heap report's sites (forensics bundles fall back to it). */
    this.reportProfile = this.keepProfile ? ranked.profile : null
    if (this.profileDir) {
      try {
        report.allocationProfile = writePrivateFile(this.profileDir, `leakguard-${process.pid}-${Date.now()}.heapprofile`, JSON.stringify(ranked.profile))
      } catch {
        // The report goes out without its profile file: the sites are in it.
      }
    }
    // The next report's sites describe the growth after this one.
    this.lease.restart(COARSE_INTERVAL)
  }

  /** What `stats().allocationSites` shows. */
  status() {
    const mode = this.mode || 'off'
    const fullGcs = this.pastGcs + (this.lease ? this.lease.fullGcs : 0)
    const windows = this.pastWindows + (this.lease ? this.lease.windows : 0)
    if (this.lease) {
      const { active, samplingInterval, windowMs, unavailable } = this.lease.status()
      return { mode, active, samplingInterval, windowMs, unavailable, fullGcs, windows }
    }
    let unavailable
    if (!this.enabled) unavailable = this.confirmWithGc ? 'turned off (allocationSites: false)' : 'turned off (allocationSites: false, the default with confirmWithGc: false)'
    else if (sampler.unavailable) unavailable = sampler.unavailable
    else if (mode === 'always' || this.memory.samples <= this.warmupSamples) unavailable = 'starts when warm-up ends'
    else unavailable = 'waits for a heap suspicion (allocationSites: on-suspicion)'
    return { mode, active: false, samplingInterval: null, windowMs: 0, unavailable, fullGcs, windows }
  }
}

module.exports = { GuardSites }
