'use strict'
// leakguard.openTelemetry(): instruments through @opentelemetry/api,
// collected by a real @opentelemetry/sdk-metrics reader.

const assert = require('node:assert/strict')
const { describe, test } = require('node:test')
const { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics')
const leakguard = require('..')
const { FAST, leakBuffers, waitFor } = require('./helpers/leaks')

/** A meter provider whose reader collects on demand. */
function readerSetup() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
  const meterProvider = new MeterProvider({ readers: [reader] })
  return { meterProvider, collect: async () => (await reader.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics) }
}

/** The points of instrument `name` in collected metrics. */
function points(metrics, name) {
  const metric = metrics.find((m) => m.descriptor.name === name)
  return metric ? metric.dataPoints : []
}

describe('leakguard.openTelemetry()', () => {
  test('a real SDK reader collects the instruments, with units; a leak shows as leaking and is counted', async () => {
    const { meterProvider, collect } = readerSetup()
    const stopLeak = leakBuffers()
    let guard
    await waitFor((done) => {
      guard = leakguard.start({ ...FAST, onLeak: (r) => r.kind === 'external' && done(r) })
      leakguard.openTelemetry({ meterProvider, guard })
    }, 15_000, 'report').finally(stopLeak)
    try {
      let reads = 0
      const stats = guard.stats.bind(guard)
      guard.stats = () => (reads++, stats())
      const metrics = await collect()
      assert.equal(reads, 1, 'one batch callback reads the stats once')
      const baseline = metrics.find((m) => m.descriptor.name === 'leakguard.memory.baseline')
      assert.equal(baseline.descriptor.unit, 'By')
      for (const kind of ['heap', 'external', 'native']) {
        const point = baseline.dataPoints.find((p) => p.attributes['leakguard.memory.kind'] === kind)
        assert.ok(point && point.value > 0, `${kind}: ${JSON.stringify(point)}`)
      }
      const leakingExternal = points(metrics, 'leakguard.memory.leaking').find((p) => p.attributes['leakguard.memory.kind'] === 'external')
      assert.equal(leakingExternal.value, 1)
      const rate = points(metrics, 'leakguard.memory.growth_rate').find((p) => p.attributes['leakguard.memory.kind'] === 'external')
      assert.ok(rate.value > 100_000, JSON.stringify(rate))
      const reports = points(metrics, 'leakguard.reports').filter((p) => p.attributes['leakguard.kind'] === 'external')
      assert.ok(reports.reduce((n, p) => n + p.value, 0) >= 1, JSON.stringify(reports))
      assert.ok(points(metrics, 'leakguard.gc.forced_pairs')[0].value >= 1)
      assert.ok(points(metrics, 'leakguard.overhead.time')[0].value > 0)
      assert.deepEqual(points(metrics, 'leakguard.heap.time_to_limit'), [], 'no heap leak open')
    } finally {
      guard.stop()
    }
    // After stop() the batch callback is gone: a collection reads nothing from the guard.
    let reads = 0
    const stats = guard.stats.bind(guard)
    guard.stats = () => (reads++, stats())
    await collect()
    assert.equal(reads, 0)
  })

  test('without a guard, or with a bad meter provider: coded errors', () => {
    const { meterProvider } = readerSetup()
    assert.throws(() => leakguard.openTelemetry({ meterProvider }), (e) => e.code === 'ERR_LEAKGUARD_NO_GUARD')
    const guard = leakguard.start({ intervalMs: 60_000 })
    try {
      assert.throws(() => leakguard.openTelemetry({ meterProvider: {}, guard }), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE')
      assert.throws(() => leakguard.openTelemetry({ meterProvider, guard, top: -1 }), (e) => e.code === 'ERR_OUT_OF_RANGE')
      assert.throws(() => leakguard.openTelemetry('yes'), (e) => e.code === 'ERR_INVALID_ARG_TYPE')
    } finally {
      guard.stop()
    }
  })
})
