'use strict'
// leakguard's public API: a small facade over lib/ and the Rust addon.

const { start } = require('./lib/guard')
const { gc } = require('./lib/gc')
const { probe } = require('./lib/probe')
const { assertNoLeak, checkLeak } = require('./lib/check-leak')
const { prometheus } = require('./lib/prometheus')
const { openTelemetry } = require('./lib/open-telemetry')
const { analyzeHeapSnapshots } = require('./lib/heap-analysis')

module.exports = { start, gc, probe, checkLeak, assertNoLeak, prometheus, openTelemetry, analyzeHeapSnapshots }
