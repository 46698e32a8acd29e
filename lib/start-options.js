'use strict'
// Validates the options of `start()` and fills in defaults.

const { isMainThread } = require('node:worker_threads')
const { invalidArgType, validateBoolean, validateFunction, validateNumber, validateObject } = require('./errors')

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

/** Returns the full, validated option set; throws coded errors on bad input. */
function normalizeStartOptions(options) {
  if (options === undefined) options = {}
  validateObject(options, 'options')
  const {
    intervalMs = DEFAULTS.intervalMs,
    onLeak,
    warmupSamples = DEFAULTS.warmupSamples,
    minSamples = DEFAULTS.minSamples,
    maxSamples = Math.max(DEFAULTS.maxSamples, minSamples),
    confirmWithGc = DEFAULTS.confirmWithGc,
    allocationSites,
    listeners,
    objects,
    thresholds,
  } = options
  validateNumber(intervalMs, 'options.intervalMs', { min: 0, exclusiveMin: true, max: MAX_INTERVAL_MS })
  validateFunction(onLeak, 'options.onLeak', { optional: true })
  validateNumber(warmupSamples, 'options.warmupSamples', { min: 0, max: 1e6, integer: true })
  validateNumber(minSamples, 'options.minSamples', { min: 6, max: 1000, integer: true })
  validateNumber(maxSamples, 'options.maxSamples', { min: minSamples, max: 1000, integer: true })
  validateBoolean(confirmWithGc, 'options.confirmWithGc')
  validateBoolean(allocationSites, 'options.allocationSites', { optional: true })
  return {
    intervalMs,
    onLeak,
    warmupSamples,
    minSamples,
    maxSamples,
    confirmWithGc,
    // Reading sites and restarting sampling windows each cost V8 a full GC:
    // on unless forced GCs are ruled out, or asked for explicitly.
    allocationSites: allocationSites === undefined ? confirmWithGc : allocationSites,
    listeners: normalizeListeners(listeners),
    objects: normalizeObjects(objects),
    thresholds: normalizeThresholds(thresholds),
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
  }
}

module.exports = { DEFAULTS, MEMORY_KINDS, monitorOptions, normalizeStartOptions }
