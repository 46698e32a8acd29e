'use strict'
// Forensics before the crash: when the live heap nears V8's limit, or the
// process's memory nears its container's limit, or the projected time to
// the heap limit drops under a minimum, a guard writes what it already knows
// into a private bundle — its reports and timeline (JSON and the HTML page),
// the live allocation profile (`.heapprofile`), its stats (listener pairs,
// tracked-object labels), Node's diagnostic report — without a full heap
// snapshot (one is added only when the headroom check allows it). Once per
// reason, and again only when the level rises by a further step; bundles are
// bounded in number. Nothing here stops the process or masks its crash.

const fs = require('node:fs')
const path = require('node:path')
const { codedError, outOfRange, validateNumber, validateObject, validateString } = require('../errors')
const { checkDirectory, effectiveMemory, lacksMemory } = require('../snapshot/snapshots')
const { writeHeapSnapshotFile } = require('../snapshot/heap-snapshot-file')
const { emitNamedWarning } = require('./warnings')
const { jsonRecord, writeLine } = require('./json-log')

/**
 * Defaults. `minMsToLimit`: a heap leak fast enough to reach V8's limit
 * within five minutes gets its bundle at once; near the limit V8 spends its
 * time collecting, and the samples that would see 85 % may not come before
 * it gives up (seen on two busy cores under --max-old-space-size=64).
 */
const DEFAULTS = Object.freeze({ heapShare: 0.85, memoryShare: 0.9, minMsToLimit: 5 * 60_000, step: 0.05, maxBundles: 3 })
/** How often the container's limit is read again, in samples. */
const LIMIT_EVERY = 120

/** A share in (0, 1): a number, else ERR_INVALID_ARG_TYPE; outside, ERR_OUT_OF_RANGE. */
function validateShare(value, name) {
  validateNumber(value, name, { min: 0, max: 1 })
  if (value <= 0 || value >= 1) throw outOfRange(name, '> 0 and < 1', value)
}

/** Validates the `forensics` option: `{ dir, heapShare, memoryShare, minMsToLimit, memoryLimitBytes, maxBundles }`, or null. */
function normalizeForensics(forensics) {
  if (forensics === undefined) return null
  validateObject(forensics, 'options.forensics')
  const { dir, heapShare = DEFAULTS.heapShare, memoryShare = DEFAULTS.memoryShare, minMsToLimit = DEFAULTS.minMsToLimit, memoryLimitBytes, maxBundles = DEFAULTS.maxBundles } = forensics
  validateString(dir, 'options.forensics.dir')
  validateShare(heapShare, 'options.forensics.heapShare')
  validateShare(memoryShare, 'options.forensics.memoryShare')
  if (minMsToLimit !== null) validateNumber(minMsToLimit, 'options.forensics.minMsToLimit', { min: 1, max: 7 * 24 * 3_600_000 })
  validateNumber(memoryLimitBytes, 'options.forensics.memoryLimitBytes', { optional: true, min: 1, max: Number.MAX_SAFE_INTEGER })
  validateNumber(maxBundles, 'options.forensics.maxBundles', { min: 1, max: 100, integer: true })
  const resolved = checkDirectory(dir, { code: 'ERR_LEAKGUARD_FORENSICS_DIR', what: 'forensics directory', option: 'options.forensics.dir' })
  return { dir: resolved, heapShare, memoryShare, minMsToLimit, memoryLimitBytes: memoryLimitBytes === undefined ? null : memoryLimitBytes, maxBundles, step: DEFAULTS.step }
}

class Forensics {
  /**
   * @param {ReturnType<typeof normalizeForensics>} settings
   * @param {object} sources
   * @param {(format: string) => unknown} sources.report the guard's report
   * @param {() => object} sources.stats the guard's stats
   * @param {() => object | null} sources.profile the live allocation profile, or null
   * @param {boolean} sources.jsonLog whether to log as JSON
   * @param {(at: number, type: string, fields: object) => void} sources.event a timeline event
   */
  constructor(settings, { report, stats, profile, jsonLog, event }) {
    this.settings = settings
    this.sources = { report, stats, profile, event }
    this.jsonLog = jsonLog
    /** Per reason: the level (a share, or ms to the limit) the last bundle was written at. */
    this.written = {}
    this.bundles = []
    this.samples = 0
    this.limit = null
    this.failed = false
  }

  /** The container's limit (or the configured one), or null where there is none: physical memory is no container. */
  memoryLimit() {
    if (this.settings.memoryLimitBytes !== null) return this.settings.memoryLimitBytes
    if (this.samples % LIMIT_EVERY === 1 || this.limit === null) {
      const memory = effectiveMemory()
      this.limit = memory.source === 'physical memory' ? Infinity : memory.limit
    }
    return Number.isFinite(this.limit) ? this.limit : null
  }

  /**
   * One sample: `{ heapLive, oldCommitted, heapLimit, rss, msUntilHeapLimit }`
   * (`heapLimit` the old generation's). Writes a bundle when a threshold is passed.
   */
  check(at, { heapLive, oldCommitted, heapLimit, rss, msUntilHeapLimit }) {
    this.samples++
    if (this.failed || this.bundles.length >= this.settings.maxBundles) return
    const { heapShare, memoryShare, minMsToLimit, step } = this.settings
    // V8 gives up when what it has committed for the old generation cannot
    // grow, which is more than the live objects by its fragmentation.
    const level = Math.max(Number.isFinite(heapLive) ? heapLive : 0, oldCommitted || 0)
    const heap = heapLimit > 0 ? level / heapLimit : 0
    if (heap >= heapShare && this.rose('heap', heap, step)) {
      return this.write(at, { reason: 'heap', share: heap, level, limit: heapLimit, message: `the heap is at ${Math.round(heap * 100)}% of V8's limit` })
    }
    const limit = this.memoryLimit()
    const memory = limit && Number.isFinite(rss) ? rss / limit : 0
    if (memory >= memoryShare && this.rose('memory', memory, step)) {
      return this.write(at, { reason: 'memory', share: memory, level: rss, limit, message: `the process's memory (RSS) is at ${Math.round(memory * 100)}% of its limit` })
    }
    if (minMsToLimit !== null && msUntilHeapLimit !== null && msUntilHeapLimit < minMsToLimit && this.rose('time', -msUntilHeapLimit, minMsToLimit / 2)) {
      return this.write(at, { reason: 'time', msUntilLimit: msUntilHeapLimit, limit: heapLimit, message: `the heap limit is ${Math.round(msUntilHeapLimit / 1000)} s away at the leak's rate` })
    }
  }

  /** Whether `level` of `reason` is the first, or a further `step` above the last bundle's. */
  rose(reason, level, step) {
    const last = this.written[reason]
    if (last !== undefined && level < last + step) return false
    this.written[reason] = level
    return true
  }

  /** Writes one bundle; a failure is a warning, never an exception. Returns the bundle's path, or null. */
  write(at, trigger) {
    let dir = null
    const files = []
    const skipped = {}
    try {
      dir = fs.mkdtempSync(path.join(this.settings.dir, `leakguard-forensics-${process.pid}-`))
      const put = (name, text) => {
        fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 })
        files.push(name)
      }
      const doc = this.sources.report('json')
      put('report.json', `${JSON.stringify({ trigger, ...doc })}\n`)
      put('report.html', this.sources.report('html'))
      put('stats.json', `${JSON.stringify(this.sources.stats(), null, 2)}\n`)
      const profile = this.sources.profile()
      if (profile) put('allocation.heapprofile', JSON.stringify(profile))
      else skipped['allocation.heapprofile'] = 'allocations were not being sampled'
      try {
        put('node-report.json', `${JSON.stringify(process.report.getReport(), null, 2)}\n`)
      } catch (error) {
        skipped['node-report.json'] = error.message
      }
      // Near V8's heap limit a snapshot could itself be what kills the
      // process: only for the other reasons, and only with headroom.
      const why = trigger.reason === 'heap' ? "the heap is near V8's limit: a snapshot could run it out of memory" : lacksMemory(this.settings.memoryLimitBytes)
      if (why) skipped['heap.heapsnapshot'] = why
      const manifest = () => `${JSON.stringify({ at: new Date(at).toISOString(), pid: process.pid, trigger, files: [...files, 'manifest.json'], skipped }, null, 2)}\n`
      put('manifest.json', manifest())
      files.pop()
      if (!why) {
        writeHeapSnapshotFile(path.join(dir, 'heap.heapsnapshot'))
        files.push('heap.heapsnapshot')
        fs.writeFileSync(path.join(dir, 'manifest.json'), manifest(), { mode: 0o600 })
      }
    } catch (error) {
      this.failed = true
      process.emitWarning(`leakguard could not write its forensics bundle${dir ? ` into ${dir}` : ''}: ${error.message}; it writes no more`, { code: 'LEAKGUARD_FORENSICS_FAILED' })
      return null
    }
    this.bundles.push(dir)
    this.sources.event(at, 'forensics', { reason: trigger.reason, path: dir })
    const message = `leakguard wrote a forensics bundle before a possible crash (${trigger.message}): ${dir}`
    if (this.jsonLog) writeLine(jsonRecord('LeakForensics', 'LEAKGUARD_FORENSICS', 'error', { message, path: dir, trigger, files }))
    else emitNamedWarning('LeakForensics', 'LEAKGUARD_FORENSICS', message, { path: dir, trigger, files })
    return dir
  }
}

module.exports = { DEFAULTS, Forensics, normalizeForensics }
