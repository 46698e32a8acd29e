'use strict'
// Heap snapshots on alert (option `snapshot: { dir, maxFiles, minIntervalMs,
// memoryLimitBytes, compareAfterMs }`, LEAKGUARD_SNAPSHOT_*): at most one per
// leak identity and per `minIntervalMs`, into `dir` only, each file created
// with mode 0600, the oldest of leakguard's files there deleted past
// `maxFiles`. A snapshot needs about the heap's size again in memory: it is
// skipped (the report says so) unless the effective memory limit — the
// cgroup's (v2, then v1) when there is one, else physical memory — leaves
// that much headroom. A heap report's snapshot gets a second one
// `compareAfterMs` later, and the pair is analysed off the main thread
// (lib/snapshot/heap-analysis.js): what grew, and what holds it.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const v8 = require('node:v8')
const { performance } = require('node:perf_hooks')
const { threadId } = require('node:worker_threads')
const { aboutOption, codedError, invalidArgType, validateNumber, validateObject, validateString } = require('../errors')
const { analyzeHeapSnapshots } = require('./heap-analysis')
const { writeHeapSnapshotFile } = require('./heap-snapshot-file')

const FILE_PREFIX = 'leakguard-'
/**
 * Memory a snapshot needs beyond what the process uses, per byte of heap in
 * use. `npm run bench snapshot-memory` (v8.writeHeapSnapshot on heaps of
 * small objects, the kind leaks build): peak RSS rose 14.5 times the heap
 * for 39 MiB and 15.4 times for 75 MiB.
 */
const HEADROOM_PER_HEAP_BYTE = 16
/** Report kinds a heap snapshot can explain (external and native memory are not in it). */
const SNAPSHOT_KINDS = new Set(['heap', 'listeners', 'objects'])
/** cgroup v1 reports "no limit" as a huge number. */
const V1_UNLIMITED = 2 ** 60

/** Validates `snapshot` and its directory (an error names what is wrong); returns the settings, or null. */
function normalizeSnapshot(snapshot) {
  if (snapshot === undefined) return null
  validateObject(snapshot, 'options.snapshot')
  const { dir, maxFiles = 5, minIntervalMs = 10 * 60_000, memoryLimitBytes, compareAfterMs = 60_000 } = snapshot
  validateString(dir, 'options.snapshot.dir')
  validateNumber(maxFiles, 'options.snapshot.maxFiles', { min: 1, max: 1000, integer: true })
  validateNumber(minIntervalMs, 'options.snapshot.minIntervalMs', { min: 0, max: 7 * 24 * 3_600_000 })
  validateNumber(memoryLimitBytes, 'options.snapshot.memoryLimitBytes', { optional: true, min: 1, max: Number.MAX_SAFE_INTEGER })
  validateNumber(compareAfterMs, 'options.snapshot.compareAfterMs', { min: 0, max: 24 * 3_600_000 })
  return { dir: checkDirectory(dir), maxFiles, minIntervalMs, memoryLimitBytes: memoryLimitBytes === undefined ? null : memoryLimitBytes, compareAfterMs }
}

/**
 * A directory leakguard writes heap contents into, resolved; throws `code`
 * (default ERR_LEAKGUARD_SNAPSHOT_DIR) about `option` when it is unsafe or unusable.
 */
function checkDirectory(dir, { code = 'ERR_LEAKGUARD_SNAPSHOT_DIR', what = 'snapshot directory', option = 'options.snapshot.dir' } = {}) {
  const resolved = path.resolve(dir)
  const refuse = (why) => aboutOption(codedError(code, `The ${what} ${resolved} ${why}`), option)
  let stat
  try {
    stat = fs.lstatSync(resolved)
  } catch (error) {
    throw refuse(`cannot be used: ${error.code || error.message}`)
  }
  // Snapshots and bundles hold heap contents, secrets included: never through a link, never where others write.
  if (stat.isSymbolicLink()) throw refuse('is a symbolic link; give its target instead')
  if (!stat.isDirectory()) throw refuse('is not a directory')
  if (stat.mode & 0o002) throw refuse(`is world-writable (mode ${(stat.mode & 0o777).toString(8)})`)
  try {
    fs.accessSync(resolved, fs.constants.W_OK | fs.constants.X_OK)
  } catch {
    throw refuse('is not writable by this process')
  }
  return resolved
}

function readNumber(file) {
  try {
    const text = fs.readFileSync(file, 'utf8').trim()
    return text === 'max' ? Infinity : Number(text)
  } catch {
    return NaN
  }
}

/**
 * The memory limit this process lives under and what it uses against it:
 * `{ limit, used, source }` from cgroup v2, cgroup v1, or physical memory.
 * `root` is where the cgroup files are looked up (tests point it at fake ones).
 */
function effectiveMemory(root = '/') {
  const cgroup = path.join(root, 'sys/fs/cgroup')
  const v2 = readNumber(path.join(cgroup, 'memory.max'))
  if (Number.isFinite(v2) && v2 > 0) return { limit: v2, used: readNumber(path.join(cgroup, 'memory.current')) || process.memoryUsage.rss(), source: 'cgroup v2 memory.max' }
  const v1 = readNumber(path.join(cgroup, 'memory/memory.limit_in_bytes'))
  if (Number.isFinite(v1) && v1 > 0 && v1 < V1_UNLIMITED) return { limit: v1, used: readNumber(path.join(cgroup, 'memory/memory.usage_in_bytes')) || process.memoryUsage.rss(), source: 'cgroup v1 memory.limit_in_bytes' }
  return { limit: os.totalmem(), used: os.totalmem() - os.freemem(), source: 'physical memory' }
}

const { bytes: mib } = require('../report/format')

/**
 * The headroom check: null when a snapshot of the heap fits under the
 * effective memory limit (or `memoryLimitBytes`, when not null), else why not.
 */
function lacksMemory(memoryLimitBytes) {
  const heapUsed = v8.getHeapStatistics().used_heap_size
  const needed = heapUsed * HEADROOM_PER_HEAP_BYTE
  const memory = memoryLimitBytes === null ? effectiveMemory() : { limit: memoryLimitBytes, used: process.memoryUsage.rss(), source: 'options.snapshot.memoryLimitBytes' }
  const headroom = memory.limit - memory.used
  if (headroom >= needed) return null
  return `not enough memory: a snapshot of a ${mib(heapUsed)} heap needs ~${mib(needed)}, and ${mib(Math.max(0, headroom))} is left under the ${mib(memory.limit)} limit (${memory.source})`
}

/**
 * Writes a heap snapshot into `dir` (mode 0600: written in a private 0700
 * directory, then moved into place, so it is never readable by others even
 * for a moment). Returns `{ path, pauseMs, bytes }`; throws on failure.
 */
function writePrivateSnapshot(dir) {
  const name = `${FILE_PREFIX}${process.pid}-${threadId}-${new Date().toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(36).slice(2, 8)}.heapsnapshot`
  let privateDir = null
  const started = performance.now()
  try {
    privateDir = fs.mkdtempSync(path.join(dir, '.leakguard-'))
    const temporary = writeHeapSnapshotFile(path.join(privateDir, name))
    const final = path.join(dir, name)
    fs.renameSync(temporary, final)
    const pauseMs = performance.now() - started
    return { path: final, pauseMs: Math.round(pauseMs), bytes: fs.statSync(final).size }
  } finally {
    if (privateDir) fs.rmSync(privateDir, { recursive: true, force: true })
  }
}

class SnapshotTaker {
  /** @param {NonNullable<ReturnType<typeof normalizeSnapshot>>} settings */
  constructor(settings) {
    this.settings = settings
    this.lastAt = -Infinity
    /** Leak identities a snapshot was taken (or tried) for. */
    this.taken = new Set()
    this.written = 0
    /** Follow-up timers not yet run. */
    this.pending = new Set()
  }

  /** The headroom check for this taker's settings (see `lacksMemory`). */
  lacksMemory() {
    return lacksMemory(this.settings.memoryLimitBytes)
  }

  /**
   * For a heap report whose snapshot was written: a second snapshot
   * `compareAfterMs` later (if `stillLeaking()`), and the pair analysed off
   * the main thread; `deliver({ report, files, analysis })` gets the result,
   * or `{ report, files, error }` when there is none.
   */
  followUp(report, firstPath, stillLeaking, deliver) {
    if (report.kind !== 'heap' || !firstPath || this.settings.compareAfterMs === 0) return
    const timer = setTimeout(() => {
      this.pending.delete(timer)
      if (!stillLeaking()) return
      const files = [firstPath]
      const fail = (error) => deliver({ report, files, error: error instanceof Error ? error.message : String(error) })
      const why = this.lacksMemory()
      if (why) return fail(why)
      let second
      try {
        second = writePrivateSnapshot(this.settings.dir)
      } catch (error) {
        return fail(`writing the second snapshot failed: ${error.message}`)
      }
      this.written++
      files.push(second.path)
      // The pair stays until it is analysed; old files are pruned after.
      analyzeHeapSnapshots(files, { top: 5, paths: 2 }).then(
        (analysis) => {
          this.prune()
          deliver({ report, files, pauseMs: second.pauseMs, analysis })
        },
        (error) => {
          this.prune()
          fail(error)
        },
      )
    }, this.settings.compareAfterMs)
    timer.unref()
    this.pending.add(timer)
  }

  /** Cancels follow-ups not yet run. */
  stop() {
    for (const timer of this.pending) clearTimeout(timer)
    this.pending.clear()
  }

  /**
   * Takes a snapshot for `report` if its kind is in a heap snapshot, its
   * identity has none yet, the interval allows and the memory is there.
   * Returns what goes on the report as `snapshot`, or null when none is due.
   */
  maybeTake(report, identity) {
    if (!SNAPSHOT_KINDS.has(report.kind) || report.repeat) return null
    if (this.taken.has(identity)) return null
    const at = performance.now()
    if (at - this.lastAt < this.settings.minIntervalMs) return { path: null, skipped: `a snapshot was written ${Math.round((at - this.lastAt) / 1000)} s ago (minIntervalMs ${this.settings.minIntervalMs})` }
    this.taken.add(identity)
    const why = this.lacksMemory()
    if (why) return { path: null, skipped: why }
    this.lastAt = at
    return this.write()
  }

  /** Writes a snapshot; never throws (a failure is what the report says). */
  write() {
    try {
      const shot = writePrivateSnapshot(this.settings.dir)
      this.written++
      this.prune()
      return shot
    } catch (error) {
      return { path: null, skipped: `writing the snapshot failed: ${error.message}` }
    }
  }

  /** Deletes leakguard's oldest snapshots in the directory past `maxFiles`. */
  prune() {
    const { dir, maxFiles } = this.settings
    const ours = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith(FILE_PREFIX) && f.endsWith('.heapsnapshot'))
      .map((f) => ({ f, at: fs.statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => a.at - b.at)
    for (const { f } of ours.slice(0, Math.max(0, ours.length - maxFiles))) fs.rmSync(path.join(dir, f), { force: true })
  }
}

/**
 * `guard.captureHeapSnapshot(options)`: writes a heap snapshot now into
 * `options.dir` (default: `snapshot.dir`, the guard's `snapshot` option),
 * mode 0600; the app is paused while it is written. Returns `{ path, bytes,
 * pauseMs }`. Throws ERR_LEAKGUARD_SNAPSHOT_DIR for an unusable directory,
 * ERR_LEAKGUARD_SNAPSHOT_MEMORY when the memory limit leaves no room for it,
 * ERR_LEAKGUARD_SNAPSHOT_WRITE when writing fails.
 */
function captureHeapSnapshot(options, snapshot) {
  if (options === undefined) options = {}
  validateObject(options, 'options')
  let dir
  if (options.dir === undefined) {
    if (!snapshot) throw invalidArgType('options.dir', 'of type string (start() was given no snapshot.dir to default to)', undefined)
    dir = snapshot.dir
  } else {
    validateString(options.dir, 'options.dir')
    dir = checkDirectory(options.dir, { option: 'options.dir' })
  }
  const why = lacksMemory(snapshot ? snapshot.memoryLimitBytes : null)
  if (why) throw codedError('ERR_LEAKGUARD_SNAPSHOT_MEMORY', `No heap snapshot was written: ${why}`)
  try {
    return writePrivateSnapshot(dir)
  } catch (error) {
    throw codedError('ERR_LEAKGUARD_SNAPSHOT_WRITE', `Writing the heap snapshot into ${dir} failed: ${error.message}`, { cause: error })
  }
}

module.exports = { SnapshotTaker, captureHeapSnapshot, checkDirectory, effectiveMemory, lacksMemory, normalizeSnapshot, writePrivateSnapshot }
