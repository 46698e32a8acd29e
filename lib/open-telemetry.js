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

const { codedError, invalidArgType, validateNumber, validateObject } = require('./errors')
const { latestRunningGuard } = require('./guard')
const { requirePeer } = require('./peer')

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

  const meter = meterProvider.getMeter('leakguard', require('../package.json').version)
  const baseline = meter.createObservableGauge('leakguard.memory.baseline', { unit: 'By', description: 'Post-GC baseline of each memory kind leakguard judges (heap, external, native)' })
  const growth = meter.createObservableGauge('leakguard.memory.growth_rate', { unit: 'By/s', description: 'Judged growth rate of a memory kind while a leak of it is reported, else 0' })
  const leaking = meter.createObservableGauge('leakguard.memory.leaking', { unit: '{leak}', description: '1 while a leak of this memory kind is reported and not over, else 0' })
  const listeners = meter.createObservableGauge('leakguard.listeners.count', { unit: '{listener}', description: `Listeners of the tracked emitter/event pairs with the most listeners (top ${top})` })
  const alive = meter.createObservableGauge('leakguard.objects.alive', { unit: '{object}', description: `Tracked objects alive per label (the top ${top} labels)` })
  const forced = meter.createObservableCounter('leakguard.gc.forced_pairs', { unit: '{pair}', description: 'Full-GC pairs leakguard forced' })
  const toLimit = meter.createObservableGauge('leakguard.heap.time_to_limit', { unit: 's', description: 'While a heap leak is reported and not over: seconds until the heap limit at its rate' })
  const overhead = meter.createObservableCounter('leakguard.overhead.time', { unit: 's', description: "leakguard's own main-thread time (samples, GC callbacks, reports)" })
  const reports = meter.createCounter('leakguard.reports', { unit: '{report}', description: 'Leak reports sent, by kind and severity' })
  const observables = [baseline, growth, leaking, listeners, alive, forced, toLimit, overhead]

  const collect = (result) => {
    const stats = guard.stats()
    for (const m of stats.memory) {
      const attributes = { 'leakguard.memory.kind': m.kind }
      if (Number.isFinite(m.baseline)) result.observe(baseline, m.baseline, attributes)
      result.observe(growth, m.growthPerMinute ? m.growthPerMinute / 60 : 0, attributes)
      result.observe(leaking, m.state === 'leaking' ? 1 : 0, attributes)
    }
    for (const pair of stats.listeners ? stats.listeners.top.slice(0, top) : []) {
      result.observe(listeners, pair.count, { 'leakguard.emitter': pair.emitter, 'leakguard.event': pair.eventName, 'leakguard.leaking': pair.leaking })
    }
    for (const row of [...stats.objects.labels].sort((a, b) => b.alive - a.alive).slice(0, top)) {
      result.observe(alive, row.alive, { 'leakguard.label': row.label })
    }
    result.observe(forced, stats.forcedGcs)
    if (stats.msUntilHeapLimit !== null) result.observe(toLimit, stats.msUntilHeapLimit / 1000)
    result.observe(overhead, stats.overhead.ms / 1000)
  }
  meter.addBatchObservableCallback(collect, observables)
  const stopCounting = guard.observeReports((report) => reports.add(1, { 'leakguard.kind': report.kind, 'leakguard.severity': report.severity || 'none' }))

  let active = true
  const remove = () => {
    if (!active) return
    active = false
    stopCounting()
    meter.removeBatchObservableCallback(collect, observables)
  }
  guard.onStop(remove)
  return remove
}

module.exports = { openTelemetry }
