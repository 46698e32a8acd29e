'use strict'
// `leakguard.prometheus({ register, prefix, labels, guard, top })`: a guard's
// figures as collectors in a prom-client registry (an optional peer
// dependency, loaded only here). What each metric means and reads is in
// lib/alerting/metric-points.js, shared with OpenTelemetry; `guard.stats()` is read
// once a scrape. Reports are counted as they are sent. The guard's `stop()`
// removes them from the registry.

const { codedError, invalidArgType, invalidArgValue, validateNumber, validateObject, validateString } = require('../errors')
const { latestRunningGuard } = require('../guard/guard')
const { requirePeer } = require('./peer')
const { METRICS, REPORTS, statsReader } = require('./metric-points')

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
  const stats = statsReader(guard)
  for (const metric of METRICS) {
    const Type = metric.type === 'counter' ? client.Counter : client.Gauge
    make(Type, metric.prometheus, typeof metric.help === 'function' ? metric.help(top) : metric.help, metric.labels, function () {
      this.reset()
      for (const [own, value] of metric.points(stats(), top)) {
        const point = withLabels(Object.fromEntries(Object.entries(own).map(([k, v]) => [k, String(v)])))
        if (metric.type === 'counter') this.inc(point, value)
        else this.set(point, value)
      }
    })
  }
  const reports = make(client.Counter, REPORTS.prometheus, REPORTS.help, ['kind', 'severity'])
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
