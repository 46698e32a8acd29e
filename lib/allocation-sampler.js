'use strict'
// The one owner of V8's sampling heap profiler in this thread, through the
// in-process inspector (no command-line flag; a worker thread has its own).
// Guards and leak checks each hold a lease on it (`sampler.lease(interval)`):
// the profiler samples at the finest interval any lease asks for, and each
// lease has its own window (what was allocated since it began, told apart by
// the samples' ordinals), its own sites and its own count of the full GCs it
// cost. The ranking of what a window saw is done in Rust (rankAllocationSites).

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

/**
 * The part of V8's profile `{ head, samples }` sampled after ordinal
 * `fromOrdinal`: the same tree, each node's `selfSize` the bytes of its
 * samples in the window, and only those samples (DevTools opens it as it
 * opens V8's). The whole profile when the window holds all of it.
 */
function profileSince(profile, fromOrdinal) {
  if (fromOrdinal <= 0) return profile
  const samples = (profile.samples || []).filter((s) => s.ordinal > fromOrdinal)
  const bytes = new Map()
  for (const s of samples) bytes.set(s.nodeId, (bytes.get(s.nodeId) || 0) + s.size)
  const copy = (node) => ({ ...node, selfSize: bytes.get(node.id) || 0, children: (node.children || []).map(copy) })
  return { head: copy(profile.head), samples }
}

/** The highest sample ordinal in a profile (0 when it has no sample). */
function lastOrdinal(profile) {
  let last = 0
  for (const s of profile.samples || []) if (s.ordinal > last) last = s.ordinal
  return last
}

/**
 * One user's hold on this thread's sampler (a guard's, a leak check's): the
 * interval it asks for, its window, and the full GCs V8 ran for it. Made by
 * `sampler.lease(interval)`; `release()` it when done.
 */
class SamplerLease {
  constructor(owner, interval) {
    this.owner = owner
    /** Bytes between samples this lease asks for (the profiler may sample finer for another lease). */
    this.interval = interval
    /** When this lease's window began (performance.now()). */
    this.windowStart = performance.now()
    /** Samples at or below this ordinal were taken before the window began. */
    this.fromOrdinal = 0
    /** Windows begun for this lease (its first, its restarts, and those a change of the profiler's interval began). */
    this.windows = 0
    /** Full GCs V8 ran for this lease: to hand out its profile, to stop the profiler, or to mark where its window began. */
    this.fullGcs = 0
    this.released = false
  }

  /** Whether allocations are sampled for this lease now. */
  get active() {
    return !this.released && this.owner.active
  }

  /** Why sites are not available (null while sampling works). */
  get unavailable() {
    return this.owner.unavailable
  }

  /** Milliseconds since this lease's window began (0 while inactive). */
  windowMs() {
    return this.active ? performance.now() - this.windowStart : 0
  }

  /** Starts this lease's window anew, at `interval` (default: its own). */
  restart(interval = this.interval) {
    if (this.released) return
    this.interval = interval
    this.owner.beginWindow(this)
  }

  /**
   * V8's profile of what was allocated in this lease's window and is still
   * alive (`{ head, samples }`, as DevTools opens it), or null when
   * sampling is off. Reading it costs V8 a full GC.
   */
  profile() {
    if (!this.active) return null
    const profile = this.owner.read(this)
    return profile && profileSince(profile, this.fromOrdinal)
  }

  /**
   * The allocation sites of what was allocated in this lease's window and is
   * still alive: `{ sites, stacks, profile }`, or null when sampling is off.
   */
  sites() {
    const profile = this.profile()
    if (!profile) return null
    const ranked = rankAllocationSites(flatten(profile.head), this.windowMs(), OWN_FILES, TOP_SITES, TOP_STACKS)
    return { sites: ranked.sites, stacks: ranked.stacks, profile }
  }

  /** Ends this lease; the last one stops the profiler. Idempotent. */
  release() {
    if (this.released) return
    this.released = true
    this.owner.leave(this)
  }

  /** What `stats()` shows: the interval the profiler samples at while this lease is active. */
  status() {
    const active = this.active
    return { active, samplingInterval: active ? this.owner.interval : null, windowMs: Math.round(this.windowMs()), unavailable: this.unavailable }
  }
}

/** This thread's sampler: the inspector session and V8's one profiler, shared by leases. */
class AllocationSampler {
  constructor() {
    this.session = null
    /** Leases held now. */
    this.leases = new Set()
    /** The interval the profiler samples at (the finest the leases ask for). */
    this.interval = COARSE_INTERVAL
    /** Why sites are not available (null while sampling works). */
    this.unavailable = null
  }

  /** Whether allocations are being sampled now. */
  get active() {
    return this.session !== null
  }

  /** A new lease whose window begins now, sampled every `interval` bytes or finer. */
  lease(interval) {
    const lease = new SamplerLease(this, interval)
    this.leases.add(lease)
    if (this.leases.size === 1) {
      this.start(lease)
    } else {
      this.beginWindow(lease)
    }
    return lease
  }

  /** The finest interval the leases ask for. */
  finest() {
    let finest = Infinity
    for (const lease of this.leases) finest = Math.min(finest, lease.interval)
    return finest
  }

  /**
   * Begins `lease`'s window now. The profiler restarts (V8 runs a full GC
   * to stop it, and every lease's window begins anew) when the interval in
   * force changes, or when no other lease would lose its window; otherwise
   * the window begins after the profile's latest sample (reading it costs
   * a full GC too).
   */
  beginWindow(lease) {
    if (!this.session) return
    const finest = this.finest()
    if (finest !== this.interval || this.leases.size === 1) return this.restart(finest, lease)
    const profile = this.read(lease)
    if (!profile) return
    lease.fromOrdinal = lastOrdinal(profile)
    lease.windowStart = performance.now()
    lease.windows++
  }

  /** `lease` is gone: the last one stops the profiler; otherwise the interval in force may coarsen. */
  leave(lease) {
    this.leases.delete(lease)
    if (!this.session) return
    if (this.leases.size === 0) {
      lease.fullGcs++
      this.stop()
      return
    }
    const finest = this.finest()
    if (finest !== this.interval) this.restart(finest, lease)
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

  start(lease) {
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
    this.startSampling(lease.interval)
  }

  /** Starts the profiler at `interval`: every lease's window begins now. */
  startSampling(interval) {
    try {
      this.post('HeapProfiler.startSampling', { samplingInterval: interval })
    } catch (error) {
      return this.disable(`the sampling heap profiler could not be started: ${error.message}`)
    }
    this.interval = interval
    const now = performance.now()
    for (const lease of this.leases) {
      lease.windowStart = now
      lease.fromOrdinal = 0
      lease.windows++
    }
  }

  /** Restarts the profiler at `interval` for `lease` (the stop's full GC is its). */
  restart(interval, lease) {
    try {
      this.post('HeapProfiler.stopSampling')
      lease.fullGcs++
    } catch (error) {
      return this.disable(`the sampling heap profiler was stopped by someone else: ${error.message}`)
    }
    this.startSampling(interval)
  }

  /** V8's whole profile for `lease` (its full GC counted there), or null when sampling ended. */
  read(lease) {
    if (!this.session) return null
    try {
      const { profile } = this.post('HeapProfiler.getSamplingProfile')
      lease.fullGcs++
      return profile
    } catch (error) {
      this.disable(`the sampling heap profiler was stopped by someone else: ${error.message}`)
      return null
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
}

/** This thread's sampler. */
const sampler = new AllocationSampler()

module.exports = { CHECK_INTERVAL, COARSE_INTERVAL, SUSPICION_INTERVAL, flatten, profileSince, sampler }
