'use strict'
// Validates the options of `start()` and fills in defaults.

const { isMainThread } = require('node:worker_threads')
const { invalidArgType, invalidArgValue, outOfRange, validateBoolean, validateFunction, validateNumber, validateObject } = require('../errors')

const { normalizeSnapshot } = require('../snapshot/snapshots')
const { normalizeForensics } = require('../alerting/forensics')

const MEMORY_KINDS = ['heap', 'external', 'native']

/**
 * Defaults, counted in samples so that a shorter interval decides sooner.
 * `minSamples` is the shortest growth reported: fills and warm-ups of up to
 * ~40 samples stay quiet, and a steady leak is reported after
 * `warmupSamples + minSamples` samples plus a follow-up GC a block (minSamples / 6) later: 59 samples (30 s at the default interval).
 */
const DEFAULTS = Object.freeze({
  intervalMs: 500,
  warmupSamples: 8,
  minSamples: 44,
  maxSamples: 240,
  confirmWithGc: true,
  listeners: Object.freeze({ minGrowthPerMinute: 5 }),
  objects: Object.freeze({ minGrowthPerMinute: 10 }),
  thresholds: Object.freeze({
    heap: Object.freeze({ bytesPerMinute: 128 * 1024, relativePerHour: 0.1 }),
    external: Object.freeze({ bytesPerMinute: 128 * 1024, relativePerHour: 0.1 }),
    native: Object.freeze({ bytesPerMinute: 128 * 1024, relativePerHour: 0.1 }),
  }),
})

// setInterval's own upper bound.
const MAX_INTERVAL_MS = 2 ** 31 - 1

function normalizeThresholds(thresholds) {
  validateObject(thresholds, 'options.thresholds', { optional: true })
  const out = {}
  for (const kind of MEMORY_KINDS) {
    const given = thresholds ? thresholds[kind] : undefined
    validateObject(given, `options.thresholds.${kind}`, { optional: true })
    const { bytesPerMinute = DEFAULTS.thresholds[kind].bytesPerMinute, relativePerHour = DEFAULTS.thresholds[kind].relativePerHour } = given || {}
    validateNumber(bytesPerMinute, `options.thresholds.${kind}.bytesPerMinute`, { min: 0, max: Number.MAX_VALUE })
    validateNumber(relativePerHour, `options.thresholds.${kind}.relativePerHour`, { min: 0, max: Number.MAX_VALUE })
    out[kind] = { bytesPerMinute, relativePerHour }
  }
  return out
}

/** `listeners: true | false | { minGrowthPerMinute }` -> settings, or null when off. */
function normalizeListeners(listeners) {
  if (listeners === undefined || listeners === true) return { ...DEFAULTS.listeners }
  if (listeners === false) return null
  if (listeners === null || typeof listeners !== 'object' || Array.isArray(listeners)) {
    throw invalidArgType('options.listeners', 'of type boolean or object', listeners)
  }
  const { minGrowthPerMinute = DEFAULTS.listeners.minGrowthPerMinute } = listeners
  validateNumber(minGrowthPerMinute, 'options.listeners.minGrowthPerMinute', { min: 0, max: Number.MAX_VALUE })
  return { minGrowthPerMinute }
}

/** `objects: { minGrowthPerMinute }` -> settings. */
function normalizeObjects(objects) {
  validateObject(objects, 'options.objects', { optional: true })
  const { minGrowthPerMinute = DEFAULTS.objects.minGrowthPerMinute } = objects || {}
  validateNumber(minGrowthPerMinute, 'options.objects.minGrowthPerMinute', { min: 0, max: Number.MAX_VALUE })
  return { minGrowthPerMinute }
}

/** When allocations are sampled for heap reports' sites (see lib/guard/guard.js). */
const SITE_MODES = ['on-suspicion', 'always']

/**
 * `allocationSites` as a mode: 'on-suspicion', 'always' or false. Reading
 * sites and restarting sampling windows each cost V8 a full GC, so the
 * default is on unless forced GCs are ruled out; `true` is 'on-suspicion'.
 */
function normalizeAllocationSites(value, confirmWithGc) {
  if (value === undefined) return confirmWithGc ? 'on-suspicion' : false
  if (value === true) return 'on-suspicion'
  if (value === false) return false
  if (typeof value !== 'string') throw invalidArgType('options.allocationSites', 'of type boolean or string', value)
  if (!SITE_MODES.includes(value)) throw invalidArgValue('options.allocationSites', `a boolean, 'on-suspicion' or 'always'`, value)
  return value
}

/** The options `start()` knows; any other name is a typo worth an error. */
const KNOWN_OPTIONS = ['intervalMs', 'onLeak', 'warmupSamples', 'minSamples', 'maxSamples', 'confirmWithGc', 'allocationSites', 'log', 'alerts', 'snapshot', 'listeners', 'objects', 'thresholds', 'record', 'forensics']
/** Where reports go when nothing subscribes, or also when set explicitly. */
const LOG_MODES = ['warning', 'json', 'off']

/**
 * `log` as a mode. Unset: reports no subscriber receives go out as
 * `LeakWarning`s ('auto'). 'warning' or 'json': every report is logged,
 * subscribers or not ('json': one JSON object per line on stderr); 'off':
 * never logged.
 */
function normalizeLog(log) {
  if (log === undefined) return 'auto'
  if (typeof log !== 'string') throw invalidArgType('options.log', 'of type string', log)
  if (!LOG_MODES.includes(log)) throw invalidArgValue('options.log', `one of ${LOG_MODES.map((m) => `'${m}'`).join(', ')}`, log)
  return log
}

/**
 * `alerts`: `minIntervalMs` (least time between two reports of one leak;
 * default 0, every report as the detectors make it) and `realertMs`
 * (a reminder while a leak goes on; default 0, none; else >= minIntervalMs).
 */
function normalizeAlerts(alerts) {
  validateObject(alerts, 'options.alerts', { optional: true })
  const { minIntervalMs = 0, realertMs = 0 } = alerts || {}
  validateNumber(minIntervalMs, 'options.alerts.minIntervalMs', { min: 0, max: 7 * 24 * 3_600_000 })
  validateNumber(realertMs, 'options.alerts.realertMs', { min: 0, max: 7 * 24 * 3_600_000 })
  if (realertMs > 0 && realertMs < minIntervalMs) throw outOfRange('options.alerts.realertMs', `0 or >= options.alerts.minIntervalMs (${minIntervalMs})`, realertMs)
  return { minIntervalMs, realertMs }
}

/**
 * `record: { file, flushMs }`: every JSON line of the run (context,
 * timeline, reports) appended to `file` (0600), timeline lines every
 * `flushMs` (default 5 s), for `leakguard report` or `leakguard run`.
 */
function normalizeRecord(record) {
  if (record === undefined) return null
  validateObject(record, 'options.record')
  const { file, flushMs = 5000 } = record
  if (typeof file !== 'string' || file === '') throw invalidArgType('options.record.file', 'a non-empty string', file)
  validateNumber(flushMs, 'options.record.flushMs', { min: 100, max: 3_600_000 })
  return { file, flushMs }
}

/** Returns the full, validated option set; throws coded errors on bad input. */
function normalizeStartOptions(options) {
  if (options === undefined) options = {}
  validateObject(options, 'options')
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(name)) throw invalidArgValue('options', `an object of known options (${KNOWN_OPTIONS.join(', ')}); '${name}' is not one`, options)
  }
  const {
    intervalMs = DEFAULTS.intervalMs,
    onLeak,
    warmupSamples = DEFAULTS.warmupSamples,
    minSamples = DEFAULTS.minSamples,
    maxSamples = Math.max(DEFAULTS.maxSamples, minSamples),
    confirmWithGc = DEFAULTS.confirmWithGc,
    allocationSites,
    log,
    alerts,
    snapshot,
    listeners,
    objects,
    thresholds,
    record,
    forensics,
  } = options
  validateNumber(intervalMs, 'options.intervalMs', { min: 0, exclusiveMin: true, max: MAX_INTERVAL_MS })
  validateFunction(onLeak, 'options.onLeak', { optional: true })
  validateNumber(warmupSamples, 'options.warmupSamples', { min: 0, max: 1e6, integer: true })
  validateNumber(minSamples, 'options.minSamples', { min: 6, max: 1000, integer: true })
  validateNumber(maxSamples, 'options.maxSamples', { min: minSamples, max: 1000, integer: true })
  validateBoolean(confirmWithGc, 'options.confirmWithGc')
  const siteMode = normalizeAllocationSites(allocationSites, confirmWithGc)
  return {
    intervalMs,
    onLeak,
    warmupSamples,
    minSamples,
    maxSamples,
    confirmWithGc,
    allocationSites: siteMode,
    log: normalizeLog(log),
    alerts: normalizeAlerts(alerts),
    snapshot: normalizeSnapshot(snapshot),
    listeners: normalizeListeners(listeners),
    objects: normalizeObjects(objects),
    thresholds: normalizeThresholds(thresholds),
    record: normalizeRecord(record),
    forensics: normalizeForensics(forensics),
  }
}

/** The options MemoryMonitorHandle takes. */
function monitorOptions(normalized) {
  return {
    warmupSamples: normalized.warmupSamples,
    minPoints: normalized.minSamples,
    maxPoints: normalized.maxSamples,
    heap: normalized.thresholds.heap,
    external: normalized.thresholds.external,
    native: normalized.thresholds.native,
    // malloc serves the whole process: the main thread judges native memory.
    judgeNative: isMainThread,
    // Without forced pairs, V8's own full GCs are the only live levels.
    forcedGcs: normalized.confirmWithGc,
  }
}

module.exports = { DEFAULTS, LOG_MODES, MEMORY_KINDS, SITE_MODES, monitorOptions, normalizeStartOptions }
