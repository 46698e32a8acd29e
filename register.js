'use strict'
// `node -r leakguard/register app.js`: watches the app with default options;
// reports go out as `LeakWarning`s. LEAKGUARD_INTERVAL_MS sets the interval.

const { start } = require('./index')
const { outOfRange } = require('./lib/errors')

const options = {}
const interval = process.env.LEAKGUARD_INTERVAL_MS
if (interval !== undefined && interval !== '') {
  const value = Number(interval)
  if (!Number.isFinite(value) || value <= 0) {
    throw outOfRange('LEAKGUARD_INTERVAL_MS', 'a number > 0', interval)
  }
  options.intervalMs = value
}
module.exports = start(options)
