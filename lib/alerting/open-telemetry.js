'use strict'
// `leakguard.openTelemetry({ meterProvider, guard, top })`: a guard's figures
// as OpenTelemetry instruments, through `@opentelemetry/api` only (an
// optional peer dependency; no SDK). Observable instruments are read in one
// batch callback from `guard.stats()` at collection time; reports are
// counted as they are sent. The guard's `stop()` removes the callback.
//
// Names: OpenTelemetry's `v8js.*` conventions cover per-space heap sizes and
// GC durations, which runtime instrumentation already exports; none of them
// is a leak verdict, a post-GC baseline or a listener count, so every
// instrument here is `leakguard.*`.

const { codedError, invalidArgType, validateNumber, validateObject } = require('../errors')
const { latestRunningGuard } = require('../guard/guard')
const { requirePeer } = require('./peer')
const { METRICS, REPORTS } = require('./metric-points')

const DEFAULT_TOP = 10

/**
 * Creates leakguard's instruments on a meter of `meterProvider` (default:
 * the global one) for `guard` (default: the latest guard started in this
 * thread that still runs). Returns `remove()`.
 */
function openTelemetry(options = {}) {
  validateObject(options, 'options')
  const api = requirePeer('@opentelemetry/api', 'leakguard.openTelemetry()')
  const { meterProvider = api.metrics.getMeterProvider(), top = DEFAULT_TOP } = options
  if (!meterProvider || typeof meterProvider.getMeter !== 'function') throw invalidArgType('options.meterProvider', 'an OpenTelemetry MeterProvider (with getMeter())', meterProvider)
  validateNumber(top, 'options.top', { min: 1, max: 1000, integer: true })
  const guard = options.guard === undefined ? latestRunningGuard() : options.guard
  if (!guard || typeof guard.stats !== 'function') throw codedError('ERR_LEAKGUARD_NO_GUARD', 'leakguard.openTelemetry() needs a running guard: call start() first, or pass options.guard')

  const meter = meterProvider.getMeter('leakguard', require('../../package.json').version)
  const OTEL_KEYS = { kind: 'leakguard.memory.kind', emitter: 'leakguard.emitter', event: 'leakguard.event', leaking: 'leakguard.leaking', label: 'leakguard.label' }
  const instruments = METRICS.map((metric) => {
    const create = metric.type === 'counter' ? 'createObservableCounter' : 'createObservableGauge'
    return meter[create](metric.otel, { unit: metric.unit, description: typeof metric.help === 'function' ? metric.help(top) : metric.help })
  })
  const reports = meter.createCounter(REPORTS.otel, { unit: REPORTS.unit, description: 'Leak reports sent, by kind and severity' })
  const collect = (result) => {
    const stats = guard.stats()
    METRICS.forEach((metric, i) => {
      for (const [own, value] of metric.points(stats, top)) {
        result.observe(instruments[i], value, Object.fromEntries(Object.entries(own).map(([k, v]) => [OTEL_KEYS[k], v])))
      }
    })
  }
  meter.addBatchObservableCallback(collect, instruments)
  const stopCounting = guard.observeReports((report) => reports.add(1, { 'leakguard.kind': report.kind, 'leakguard.severity': report.severity || 'none' }))

  let active = true
  const remove = () => {
    if (!active) return
    active = false
    stopCounting()
    meter.removeBatchObservableCallback(collect, instruments)
  }
  guard.onStop(remove)
  return remove
}

module.exports = { openTelemetry }
