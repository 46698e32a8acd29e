'use strict'
// A leak check's options: validated once, with the kinds it measures and
// the defaults its batches start from.

const { codedError, validateBoolean, validateNumber, validateObject } = require('../errors')

/** What a check measures. */
const KINDS = ['heap', 'external', 'native', 'listeners', 'handles', 'objects']
/** Each kind's key in `result.perCall`. */
const PER_CALL_KEYS = { heap: 'heapBytes', external: 'externalBytes', native: 'nativeBytes', listeners: 'listeners', handles: 'handles', objects: 'objects' }
/** Batches a round, their sizes and time, and the budget. */
const DEFAULTS = Object.freeze({ batches: 8, minBatchSize: 50, maxBatchSize: 1000, batchMs: 10, timeoutMs: 5000 })
/** Returns `{ batches, batchSize, warmup, kinds, floors, timeoutMs, heapSnapshots }`; throws coded errors on bad input. */
function normalizeCheckOptions(options) {
  if (options === undefined) options = {}
  validateObject(options, 'options')
  const { batches = DEFAULTS.batches, batchSize, warmup, kinds = KINDS, thresholds, timeoutMs = DEFAULTS.timeoutMs, heapSnapshots = true } = options
  validateNumber(batches, 'options.batches', { min: 3, max: 1000, integer: true })
  validateNumber(batchSize, 'options.batchSize', { optional: true, min: 1, max: 1e7, integer: true })
  validateNumber(warmup, 'options.warmup', { optional: true, min: 0, max: 1e7, integer: true })
  validateNumber(timeoutMs, 'options.timeoutMs', { min: 0, exclusiveMin: true, max: 2 ** 31 - 1 })
  validateBoolean(heapSnapshots, 'options.heapSnapshots')
  if (!Array.isArray(kinds) || kinds.length === 0 || kinds.some((k) => !KINDS.includes(k))) {
    throw codedError('ERR_INVALID_ARG_VALUE', `The property 'options.kinds' must be a non-empty array of ${KINDS.map((k) => `'${k}'`).join(', ')}. Received ${JSON.stringify(kinds)}`)
  }
  validateObject(thresholds, 'options.thresholds', { optional: true })
  const floors = {}
  for (const kind of KINDS) {
    const floor = thresholds ? thresholds[kind] : undefined
    validateNumber(floor, `options.thresholds.${kind}`, { optional: true, min: 0, max: Number.MAX_VALUE })
    floors[kind] = floor
  }
  return { batches, batchSize, warmup, kinds, floors, timeoutMs, heapSnapshots }
}

module.exports = { DEFAULTS, KINDS, PER_CALL_KEYS, normalizeCheckOptions }
