'use strict'
// The one owner of V8's sampling heap profiler in this thread, through the
// in-process inspector (no command-line flag; a worker thread has its own).
// Guards and leak checks share it; the ranking of what it saw is done in
// Rust (rankAllocationSites).

const { OWN_FILES } = require('./own-files')
const { performance } = require('node:perf_hooks')
const { ownedFullGc } = require('./gc')
const { rankAllocationSites } = require('./native')

/**
 * Bytes between samples while a guard's heap is suspected, and before a
 * report that found no window open: fine, as the window is short (a few
 * seconds to a minute) and the sites must rest on enough samples.
 */
const SUSPICION_INTERVAL = 16 * 1024
/**
 * Bytes between samples for long windows: a guard with `allocationSites:
 * 'always'`, and on-suspicion sampling while a reported heap leak goes on.
 * Each sample costs V8 a stack walk; at this interval a busy HTTP service
 * loses about 1 % of its throughput (bench/http-throughput.js; 3 % at 128 KiB).
 */
const COARSE_INTERVAL = 256 * 1024
/** Bytes between samples during a leak check's confirming rounds. */
const CHECK_INTERVAL = 4 * 1024
/** Sites kept in a report. */
const TOP_SITES = 5
/** Stacks kept for a report's flame graph (the rest are summed into one). */
const TOP_STACKS = 60

/** A sampled profile's tree as the parallel arrays Rust takes. */
function flatten(head) {
  const nodes = { parents: [], functionNames: [], urls: [], lines: [], columns: [], selfSizes: [] }
  const stack = [[head, -1]]
  while (stack.length > 0) {
    const [node, parent] = stack.pop()
    const index = nodes.parents.length
    const frame = node.callFrame || {}
    nodes.parents.push(parent)
    nodes.functionNames.push(String(frame.functionName || ''))
    nodes.urls.push(String(frame.url || '').replace(/^file:\/\//, ''))
    nodes.lines.push(Math.max(0, (frame.lineNumber | 0) + 1))
    nodes.columns.push(Math.max(0, (frame.columnNumber | 0) + 1))
    nodes.selfSizes.push(Number(node.selfSize) || 0)
    for (const child of node.children || []) stack.push([child, index])
  }
  return nodes
}

class AllocationSampler {
  constructor() {
    this.session = null
    this.users = 0
    this.interval = COARSE_INTERVAL
    this.windowStart = 0
    /** Sampling windows started so far in this thread. */
    this.windows = 0
    /** Why sites are not available (null while sampling works). */
    this.unavailable = null
  }

  /** Whether allocations are being sampled now. */
  get active() {
    return this.session !== null
  }

  /**
   * One more user; the first starts sampling every `interval` bytes. Later
   * users share the running window at its interval.
   */
  acquire(interval) {
    this.users++
    if (this.users === 1) this.start(interval)
  }

  /** One user fewer; the last stops sampling and disconnects. */
  release() {
    if (this.users === 0) return
    this.users--
    if (this.users === 0) this.stop()
  }

  /**
   * Posts to the session; the in-process session answers synchronously.
   * Reading or stopping the profile makes V8 run a full GC first: those
   * calls go through the GC owner (lib/gc.js), which counts it.
   */
  post(method, params) {
    if (method === 'HeapProfiler.getSamplingProfile' || method === 'HeapProfiler.stopSampling') {
      return ownedFullGc(() => this.postNow(method, params))
    }
    return this.postNow(method, params)
  }

  postNow(method, params) {
    let failure = null
    let answer = null
    this.session.post(method, params, (error, result) => {
      failure = error
      answer = result
    })
    if (failure) throw failure
    return answer
  }

  start(interval) {
    this.unavailable = null
    try {
      // Loaded here: a Node built without the inspector throws on require.
      const inspector = require('node:inspector')
      const session = new inspector.Session()
      session.connect()
      this.session = session
    } catch (error) {
      this.session = null
      this.unavailable = `the inspector is not available: ${error.message}`
      return
    }
    // Another session (a debugger, an APM agent) already samples: V8 has one
    // sampling profiler per isolate, and restarting it would break theirs.
    let inUse = false
    try {
      this.post('HeapProfiler.getSamplingProfile')
      inUse = true
    } catch {}
    if (inUse) return this.disable('the sampling heap profiler is already in use by another inspector session')
    this.startSampling(interval)
  }

  startSampling(interval) {
    try {
      this.post('HeapProfiler.startSampling', { samplingInterval: interval })
      this.interval = interval
      this.windowStart = performance.now()
      this.windows++
    } catch (error) {
      this.disable(`the sampling heap profiler could not be started: ${error.message}`)
    }
  }

  /** Gives up on sites (saying why) and frees the session. */
  disable(reason) {
    this.unavailable = reason
    if (this.session) {
      try {
        this.session.disconnect()
      } catch {}
    }
    this.session = null
  }

  stop() {
    if (!this.session) return
    try {
      this.post('HeapProfiler.stopSampling')
    } catch {}
    this.disable(null)
    this.unavailable = null
  }

  /**
   * Starts a new window: what the profile holds from now on was allocated
   * since. `interval` defaults to the current one.
   */
  restart(interval = this.interval) {
    if (!this.session) return
    try {
      this.post('HeapProfiler.stopSampling')
    } catch (error) {
      return this.disable(`the sampling heap profiler was stopped by someone else: ${error.message}`)
    }
    this.startSampling(interval)
  }

  /** Milliseconds since the window started. */
  windowMs() {
    return this.session ? performance.now() - this.windowStart : 0
  }

  /**
   * The allocation sites of what was allocated since the window started and
   * is still alive: `{ sites, stacks, profile }` (`profile` is V8's, as
   * DevTools opens it from a `.heapprofile` file), or null when sampling is off.
   */
  sites() {
    const profile = this.profile()
    if (!profile) return null
    const ranked = rankAllocationSites(flatten(profile.head), this.windowMs(), OWN_FILES, TOP_SITES, TOP_STACKS)
    return { sites: ranked.sites, stacks: ranked.stacks, profile }
  }

  /**
   * V8's profile of what was allocated since the window started and is still
   * alive (`{ head, samples }`, as DevTools opens it), or null when sampling
   * is off. Reading it costs V8 a full GC.
   */
  profile() {
    if (!this.session) return null
    try {
      return this.post('HeapProfiler.getSamplingProfile').profile
    } catch (error) {
      this.disable(`the sampling heap profiler was stopped by someone else: ${error.message}`)
      return null
    }
  }

  /** What `stats()` shows. */
  status() {
    return { active: this.active, samplingInterval: this.active ? this.interval : null, windowMs: Math.round(this.windowMs()), unavailable: this.unavailable }
  }
}

/** This thread's sampler. */
const sampler = new AllocationSampler()

module.exports = { CHECK_INTERVAL, COARSE_INTERVAL, SUSPICION_INTERVAL, flatten, sampler }
