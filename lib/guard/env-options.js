'use strict'
// The options of the preload (`leakguard/register`), read from LEAKGUARD_*
// environment variables: one variable per option of `start()`. A value that
// does not parse or is out of range, and a LEAKGUARD_* name that is not one
// of these (a typo), are coded errors naming the variable and its value,
// thrown at start-up.

const { codedError, invalidArgValue, outOfRange, prefixed } = require('../errors')
const { LOG_MODES, SITE_MODES, normalizeStartOptions } = require('./options')

/** How a variable's text becomes an option value. */
const number = (raw, name) => {
  const value = raw.trim() === '' ? NaN : Number(raw)
  if (!Number.isFinite(value)) throw outOfRange(name, 'a finite number', raw)
  return value
}
const boolean = (raw, name) => {
  const text = raw.trim().toLowerCase()
  if (text === 'true' || text === '1') return true
  if (text === 'false' || text === '0') return false
  throw invalidArgValue(name, "'true', 'false', '1' or '0'", raw)
}
const oneOf = (...accepted) => (raw, name) => {
  if (accepted.includes(raw)) return raw
  throw invalidArgValue(name, `one of ${accepted.map((a) => `'${a}'`).join(', ')}`, raw)
}
const siteMode = (raw, name) => {
  if (SITE_MODES.includes(raw)) return raw
  const text = raw.trim().toLowerCase()
  if (text === 'true' || text === 'false' || text === '1' || text === '0') return boolean(raw, name)
  throw invalidArgValue(name, `${SITE_MODES.map((m) => `'${m}'`).join(', ')}, 'true' or 'false'`, raw)
}

/**
 * Every variable: its parser and where its value goes in `start()`'s
 * options (a path of property names). `LEAKGUARD_WORKERS` is the preload's
 * own: whether worker threads get a guard too.
 */
const VARIABLES = {
  LEAKGUARD_INTERVAL_MS: [number, ['intervalMs']],
  LEAKGUARD_WARMUP_SAMPLES: [number, ['warmupSamples']],
  LEAKGUARD_MIN_SAMPLES: [number, ['minSamples']],
  LEAKGUARD_MAX_SAMPLES: [number, ['maxSamples']],
  LEAKGUARD_CONFIRM_WITH_GC: [boolean, ['confirmWithGc']],
  LEAKGUARD_ALLOCATION_SITES: [siteMode, ['allocationSites']],
  LEAKGUARD_LOG: [oneOf(...LOG_MODES), ['log']],
  LEAKGUARD_ALERT_MIN_INTERVAL_MS: [number, ['alerts', 'minIntervalMs']],
  LEAKGUARD_REALERT_MS: [number, ['alerts', 'realertMs']],
  LEAKGUARD_SNAPSHOT_DIR: [(raw) => raw, ['snapshot', 'dir']],
  LEAKGUARD_SNAPSHOT_MAX_FILES: [number, ['snapshot', 'maxFiles']],
  LEAKGUARD_SNAPSHOT_MIN_INTERVAL_MS: [number, ['snapshot', 'minIntervalMs']],
  LEAKGUARD_SNAPSHOT_MEMORY_LIMIT_BYTES: [number, ['snapshot', 'memoryLimitBytes']],
  LEAKGUARD_SNAPSHOT_COMPARE_AFTER_MS: [number, ['snapshot', 'compareAfterMs']],
  LEAKGUARD_HEAP_BYTES_PER_MINUTE: [number, ['thresholds', 'heap', 'bytesPerMinute']],
  LEAKGUARD_HEAP_RELATIVE_PER_HOUR: [number, ['thresholds', 'heap', 'relativePerHour']],
  LEAKGUARD_EXTERNAL_BYTES_PER_MINUTE: [number, ['thresholds', 'external', 'bytesPerMinute']],
  LEAKGUARD_EXTERNAL_RELATIVE_PER_HOUR: [number, ['thresholds', 'external', 'relativePerHour']],
  LEAKGUARD_NATIVE_BYTES_PER_MINUTE: [number, ['thresholds', 'native', 'bytesPerMinute']],
  LEAKGUARD_NATIVE_RELATIVE_PER_HOUR: [number, ['thresholds', 'native', 'relativePerHour']],
  LEAKGUARD_LISTENERS: [boolean, ['listeners']],
  LEAKGUARD_LISTENERS_MIN_GROWTH_PER_MINUTE: [number, ['listeners', 'minGrowthPerMinute']],
  LEAKGUARD_OBJECTS_MIN_GROWTH_PER_MINUTE: [number, ['objects', 'minGrowthPerMinute']],
  LEAKGUARD_FORENSICS_DIR: [(raw) => raw, ['forensics', 'dir']],
  LEAKGUARD_FORENSICS_HEAP_SHARE: [number, ['forensics', 'heapShare']],
  LEAKGUARD_FORENSICS_MEMORY_SHARE: [number, ['forensics', 'memoryShare']],
  LEAKGUARD_FORENSICS_MIN_MS_TO_LIMIT: [number, ['forensics', 'minMsToLimit']],
  LEAKGUARD_FORENSICS_MEMORY_LIMIT_BYTES: [number, ['forensics', 'memoryLimitBytes']],
  LEAKGUARD_RECORD_FILE: [(raw) => raw, ['record', 'file']],
  LEAKGUARD_RECORD_FLUSH_MS: [number, ['record', 'flushMs']],
  LEAKGUARD_WORKERS: [boolean, null],
  // Read by leak checks, not by the preload: known here so it is no typo.
  LEAKGUARD_REPORT_DIR: [(raw) => raw, undefined],
  LEAKGUARD_MOCHA: [(raw) => raw, undefined],
}

/** Levenshtein distance, for naming the variable a typo meant. */
function distance(a, b) {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = row
  }
  return previous[b.length]
}

function unknownVariable(name) {
  const known = Object.keys(VARIABLES)
  const nearest = known.reduce((best, k) => (distance(name, k) < distance(name, best) ? k : best), known[0])
  const hint = distance(name, nearest) <= 3 ? ` Did you mean ${nearest}?` : ''
  return codedError('ERR_LEAKGUARD_UNKNOWN_VARIABLE', `${name} is not a leakguard environment variable.${hint} Known: ${known.join(', ')}`)
}

/**
 * Reads `env` (default `process.env`): `{ options, workers }`, where
 * `options` are `start()`'s options as the variables give them (already
 * validated) and `workers` whether worker threads get a guard. Throws a
 * coded error naming the variable on bad input.
 */
function readEnvOptions(env = process.env) {
  const options = {}
  const given = []
  let workers = false
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('LEAKGUARD_')) continue
    const raw = env[name]
    const spec = VARIABLES[name]
    if (!spec) throw unknownVariable(name)
    if (raw === undefined || raw === '') continue
    const [parse, path] = spec
    if (path === undefined) continue
    const value = parse(raw, name)
    if (path === null) workers = value
    else given.push([name, raw, path, value])
  }
  for (const [, , path, value] of given) {
    let target = options
    for (const key of path.slice(0, -1)) {
      if (typeof target[key] !== 'object' || target[key] === null) target[key] = {}
      target = target[key]
    }
    target[path[path.length - 1]] = value
  }
  // LEAKGUARD_LISTENERS=false wins over a listener threshold (names are
  // sorted, so the threshold's object replaced the switch above).
  if (given.some(([name, , , value]) => name === 'LEAKGUARD_LISTENERS' && value === false)) options.listeners = false
  // The forensics thresholds mean nothing without the directory that turns forensics on.
  if (options.forensics && options.forensics.dir === undefined) {
    const [name, raw] = given.find(([n]) => n.startsWith('LEAKGUARD_FORENSICS_'))
    throw prefixed(invalidArgValue('LEAKGUARD_FORENSICS_DIR', 'set too (it turns forensics on)', undefined), `${name}=${JSON.stringify(raw)}: `)
  }
  try {
    normalizeStartOptions(options)
  } catch (error) {
    // Name the variable the rejected option came from (errors carry the option's path).
    const culprit = given.find(([, , path]) => error.option === `options.${path.join('.')}`)
    if (culprit) throw prefixed(error, `${culprit[0]}=${JSON.stringify(culprit[1])}: `)
    throw error
  }
  return { options, workers }
}

module.exports = { VARIABLES, readEnvOptions }
