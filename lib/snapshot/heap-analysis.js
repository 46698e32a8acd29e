'use strict'
// analyzeHeapSnapshots(files, options): what grew between heap snapshots of
// one process and what holds it, computed in Rust on libuv's thread pool
// (the event loop keeps running). A file that cannot be analysed rejects
// with a coded error naming the file and the byte offset.

const { HeapAnalysisJob } = require('../native')
const { codedError, invalidArgType, invalidArgValue, validateFunction, validateNumber, validateObject } = require('../errors')

/** pathObjects: instances of a class whose paths are walked (the largest by retained size past it). */
const DEFAULTS = Object.freeze({ top: 10, paths: 3, pathObjects: 1_000_000, progressMs: 250 })
/** The accepted range of `top` and `paths` (the CLI's flags check the same). */
const LIMITS = Object.freeze({ top: { min: 1, max: 1000 }, paths: { min: 0, max: 100 } })
/** Failure kinds of the Rust core, and the codes they reject with. */
const CODES = {
  io: 'ERR_LEAKGUARD_SNAPSHOT_READ',
  syntax: 'ERR_LEAKGUARD_SNAPSHOT_INVALID',
  format: 'ERR_LEAKGUARD_SNAPSHOT_INVALID',
  mismatch: 'ERR_LEAKGUARD_SNAPSHOT_MISMATCH',
  internal: 'ERR_LEAKGUARD_INTERNAL',
}

function normalizeFiles(files) {
  if (typeof files === 'string') files = [files]
  if (!Array.isArray(files)) throw invalidArgType('files', 'an array of 1 to 3 file paths', files)
  if (files.length < 1 || files.length > 3) throw invalidArgValue('files', 'an array of 1 to 3 file paths (oldest first)', files)
  files.forEach((f, i) => {
    if (typeof f !== 'string' || f === '') throw invalidArgType(`files[${i}]`, 'a non-empty string', f)
  })
  return files
}

function normalizeOptions(options) {
  if (options === undefined) options = {}
  validateObject(options, 'options')
  const { top = DEFAULTS.top, paths = DEFAULTS.paths, onProgress } = options
  validateNumber(top, 'options.top', { ...LIMITS.top, integer: true })
  validateNumber(paths, 'options.paths', { ...LIMITS.paths, integer: true })
  validateFunction(onProgress, 'options.onProgress', { optional: true })
  return { top, paths, onProgress }
}

/** The coded error for a failure object from the core. */
function failureError(failure) {
  const where = failure.offset === undefined || failure.offset === null ? '' : ` at byte ${failure.offset}`
  const error = codedError(CODES[failure.kind] || 'ERR_LEAKGUARD_SNAPSHOT_INVALID', `${failure.file}${where}: ${failure.message}`)
  error.file = failure.file
  if (failure.offset !== undefined && failure.offset !== null) error.offset = failure.offset
  return error
}

/**
 * Analyses one to three heap snapshots of one process (oldest first). With
 * one, the classes that retain the most; with two or three, the objects new
 * in the second (and alive in the third) by class, ranked by retained size,
 * with their retainer paths. `options.onProgress({ phase, bytesRead,
 * totalBytes })` is called at the start, every 250 ms, and at the end.
 */
function analyzeHeapSnapshots(files, options) {
  let job
  let opts
  try {
    files = normalizeFiles(files)
    opts = normalizeOptions(options)
    job = new HeapAnalysisJob(files, opts.top, opts.paths, DEFAULTS.pathObjects)
  } catch (error) {
    return Promise.reject(error)
  }
  const running = job.run()
  if (!opts.onProgress) return running.then(outcomeOf)
  // A first report at once, then every DEFAULTS.progressMs, and a last one
  // when done. An `onProgress` that throws ends the reports, and the
  // promise rejects with its error once the job is over: it never escapes
  // from a timer as an uncaught exception.
  let progressError = null
  const report = () => {
    if (progressError) return
    try {
      opts.onProgress(job.progress())
    } catch (error) {
      progressError = { error }
      clearInterval(timer)
    }
  }
  const timer = setInterval(report, DEFAULTS.progressMs)
  report()
  return running.then(
    (outcome) => {
      clearInterval(timer)
      const analysis = outcomeOf(outcome)
      report()
      if (progressError) throw progressError.error
      return analysis
    },
    (error) => {
      clearInterval(timer)
      throw error
    },
  )
}

/**
 * Analyses one snapshot whose objects numbered past `afterId` are the new
 * ones (lib/snapshot/new-object-ids.js): as two snapshots would, by class, with
 * retainer paths. For leakguard's own checks; `top` and `paths` as above.
 */
function analyzeNewObjects(file, afterId, { top = DEFAULTS.top, paths = DEFAULTS.paths } = {}) {
  try {
    return new HeapAnalysisJob([file], top, paths, DEFAULTS.pathObjects, afterId).run().then(outcomeOf)
  } catch (error) {
    return Promise.reject(error)
  }
}

/** The analysis of a finished job, or its failure as a coded error. */
function outcomeOf(outcome) {
  if (outcome.failure) throw failureError(outcome.failure)
  return outcome.analysis
}

module.exports = { DEFAULTS, LIMITS, analyzeHeapSnapshots, analyzeNewObjects }
