'use strict'
// leakguard's public API: a small facade over lib/ and the Rust addon.

const { start } = require('./lib/guard/guard')
const { gc } = require('./lib/gc')
const { probe } = require('./lib/check/probe')
const { assertNoLeak, checkLeak } = require('./lib/check/check-leak')
const { prometheus } = require('./lib/alerting/prometheus')
const { openTelemetry } = require('./lib/alerting/open-telemetry')
const { analyzeHeapSnapshots } = require('./lib/snapshot/heap-analysis')

module.exports = { start, gc, probe, checkLeak, assertNoLeak, prometheus, openTelemetry, analyzeHeapSnapshots }
