'use strict'
// `leakguard.prometheus({ register, prefix, labels, guard, top })`: a guard's
// figures as collectors in a prom-client registry (an optional peer
// dependency, loaded only here). Gauges are read from `guard.stats()` at
// scrape time; reports are counted as they are sent. The guard's `stop()`
// removes them from the registry.

const { codedError, invalidArgType, invalidArgValue, validateNumber, validateObject, validateString } = require('./errors')
const { latestRunningGuard } = require('./guard')
const { requirePeer } = require('./peer')

const DEFAULT_PREFIX = 'leakguard_'
const DEFAULT_TOP = 10

function normalize(options, client) {
  validateObject(options, 'options')
  const { register = client.register, prefix = DEFAULT_PREFIX, labels = {}, top = DEFAULT_TOP } = options
  let { guard } = options
  if (!register || typeof register.registerMetric !== 'function' || typeof register.removeSingleMetric !== 'function') {
    throw invalidArgType('options.register', 'a prom-client Registry', register)
  }
  validateString(prefix, 'options.prefix')
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) throw invalidArgValue('options.prefix', 'a valid metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)', prefix)
  validateObject(labels, 'options.labels')
  for (const [name, value] of Object.entries(labels)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith('__')) throw invalidArgValue('options.labels', `an object of valid Prometheus label names; '${name}' is not one`, labels)
    if (typeof value !== 'string') throw invalidArgType(`options.labels.${name}`, 'of type string', value)
  }
  validateNumber(top, 'options.top', { min: 1, max: 1000, integer: true })
  if (guard === undefined) guard = latestRunningGuard()
  if (!guard || typeof guard.stats !== 'function') throw codedError('ERR_LEAKGUARD_NO_GUARD', 'leakguard.prometheus() needs a running guard: call start() first, or pass options.guard')
  return { register, prefix, labels, top, guard }
}

/**
 * Registers leakguard's collectors in `register` (default: prom-client's
 * global registry) for `guard` (default: the latest guard started in this
 * thread that still runs). Registering again replaces the earlier ones.
 * Returns `unregister()`.
 */
function prometheus(options = {}) {
  const client = requirePeer('prom-client', 'leakguard.prometheus()')
  const { register, prefix, labels, top, guard } = normalize(options, client)
  const constant = Object.keys(labels)
  const names = []
  const make = (Type, name, help, labelNames, collect) => {
    const full = prefix + name
    // A second registration replaces the first instead of throwing.
    if (register.getSingleMetric(full)) register.removeSingleMetric(full)
    names.push(full)
    return new Type({ name: full, help, labelNames: [...constant, ...labelNames], registers: [register], collect })
  }
  const withLabels = (own) => ({ ...labels, ...own })
  const stats = () => guard.stats()

  make(client.Gauge, 'memory_baseline_bytes', 'Post-GC baseline of each memory kind leakguard judges (heap, external, native)', ['kind'], function () {
    this.reset()
    for (const m of stats().memory) if (Number.isFinite(m.baseline)) this.set(withLabels({ kind: m.kind }), m.baseline)
  })
  make(client.Gauge, 'memory_growth_bytes_per_second', 'Judged growth rate of a memory kind while a leak of it is reported, else 0', ['kind'], function () {
    this.reset()
    for (const m of stats().memory) this.set(withLabels({ kind: m.kind }), m.growthPerMinute ? m.growthPerMinute / 60 : 0)
  })
  make(client.Gauge, 'memory_leaking', '1 while a leak of this memory kind is reported and not over, else 0', ['kind'], function () {
    this.reset()
    for (const m of stats().memory) this.set(withLabels({ kind: m.kind }), m.state === 'leaking' ? 1 : 0)
  })
  make(client.Gauge, 'memory_suspected', '1 while this memory kind is suspected (growth being confirmed), else 0', ['kind'], function () {
    this.reset()
    for (const m of stats().memory) this.set(withLabels({ kind: m.kind }), m.state === 'suspected' ? 1 : 0)
  })
  make(client.Gauge, 'listeners', `Listeners of the tracked emitter/event pairs with the most listeners (top ${top})`, ['emitter', 'event', 'leaking'], function () {
    this.reset()
    const watched = stats().listeners
    for (const pair of watched ? watched.top.slice(0, top) : []) this.set(withLabels({ emitter: pair.emitter, event: pair.eventName, leaking: String(pair.leaking) }), pair.count)
  })
  make(client.Gauge, 'objects_alive', `Tracked objects alive per label (the top ${top} labels)`, ['label'], function () {
    this.reset()
    const rows = [...stats().objects.labels].sort((a, b) => b.alive - a.alive).slice(0, top)
    for (const row of rows) this.set(withLabels({ label: row.label }), row.alive)
  })
  make(client.Gauge, 'forced_gc_pairs', 'Full-GC pairs leakguard forced so far', [], function () {
    this.set(withLabels({}), stats().forcedGcs)
  })
  // Labelled by kind (always 'heap') so that it is absent, not 0, while no heap leak is open.
  make(client.Gauge, 'heap_seconds_to_limit', 'While a heap leak is reported and not over: seconds until the heap limit at its rate (absent otherwise)', ['kind'], function () {
    this.reset()
    const ms = stats().msUntilHeapLimit
    if (ms !== null) this.set(withLabels({ kind: 'heap' }), ms / 1000)
  })
  make(client.Counter, 'overhead_seconds_total', "leakguard's own main-thread time (samples, GC callbacks, reports); its rate is the share of the thread it costs", [], function () {
    this.reset()
    this.inc(withLabels({}), stats().overhead.ms / 1000)
  })
  const reports = make(client.Counter, 'reports_total', 'Leak reports sent, by kind and severity', ['kind', 'severity'])
  const stopCounting = guard.observeReports((report) => reports.inc(withLabels({ kind: report.kind, severity: report.severity || 'none' })))

  let registered = true
  const unregister = () => {
    if (!registered) return
    registered = false
    stopCounting()
    for (const name of names) if (register.getSingleMetric(name)) register.removeSingleMetric(name)
  }
  guard.onStop(unregister)
  return unregister
}

module.exports = { prometheus }
