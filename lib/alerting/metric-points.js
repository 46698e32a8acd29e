'use strict'
// What a guard's figures are as metrics, written once for both exporters
// (lib/alerting/prometheus.js and lib/alerting/open-telemetry.js only name and register them):
// each metric's kind, unit and meaning, and its points from one
// `guard.stats()` reading.

/**
 * The metrics, in export order. `name` is the base name (Prometheus adds
 * its prefix and unit suffix; OpenTelemetry its own name), `labels` the
 * label names of its points, `points(stats, top)` its `[labels, value]`
 * points from one stats reading. The report counter is not here: it is
 * counted as reports are sent, not read from stats.
 */
const METRICS = [
  {
    name: 'memory_baseline',
    prometheus: 'memory_baseline_bytes',
    otel: 'leakguard.memory.baseline',
    type: 'gauge',
    unit: 'By',
    help: 'Post-GC baseline of each memory kind leakguard judges (heap, external, native)',
    labels: ['kind'],
    points: (stats) => stats.memory.filter((m) => Number.isFinite(m.baseline)).map((m) => [{ kind: m.kind }, m.baseline]),
  },
  {
    name: 'memory_growth_rate',
    prometheus: 'memory_growth_bytes_per_second',
    otel: 'leakguard.memory.growth_rate',
    type: 'gauge',
    unit: 'By/s',
    help: 'Judged growth rate of a memory kind while a leak of it is reported, else 0',
    labels: ['kind'],
    points: (stats) => stats.memory.map((m) => [{ kind: m.kind }, m.growthPerMinute ? m.growthPerMinute / 60 : 0]),
  },
  {
    name: 'memory_leaking',
    prometheus: 'memory_leaking',
    otel: 'leakguard.memory.leaking',
    type: 'gauge',
    unit: '{leak}',
    help: '1 while a leak of this memory kind is reported and not over, else 0',
    labels: ['kind'],
    points: (stats) => stats.memory.map((m) => [{ kind: m.kind }, m.state === 'leaking' ? 1 : 0]),
  },
  {
    name: 'memory_suspected',
    prometheus: 'memory_suspected',
    otel: 'leakguard.memory.suspected',
    type: 'gauge',
    unit: '{suspicion}',
    help: '1 while this memory kind is suspected (growth being confirmed), else 0',
    labels: ['kind'],
    points: (stats) => stats.memory.map((m) => [{ kind: m.kind }, m.state === 'suspected' ? 1 : 0]),
  },
  {
    name: 'listeners',
    prometheus: 'listeners',
    otel: 'leakguard.listeners.count',
    type: 'gauge',
    unit: '{listener}',
    help: (top) => `Listeners of the tracked emitter/event pairs with the most listeners (top ${top})`,
    labels: ['emitter', 'event', 'leaking'],
    points: (stats, top) => (stats.listeners ? stats.listeners.top.slice(0, top) : []).map((p) => [{ emitter: p.emitter, event: p.eventName, leaking: p.leaking }, p.count]),
  },
  {
    name: 'objects_alive',
    prometheus: 'objects_alive',
    otel: 'leakguard.objects.alive',
    type: 'gauge',
    unit: '{object}',
    help: (top) => `Tracked objects alive per label (the top ${top} labels)`,
    labels: ['label'],
    points: (stats, top) => [...stats.objects.labels].sort((a, b) => b.alive - a.alive).slice(0, top).map((row) => [{ label: row.label }, row.alive]),
  },
  {
    name: 'forced_gc_pairs',
    prometheus: 'forced_gc_pairs',
    otel: 'leakguard.gc.forced_pairs',
    type: 'counter',
    unit: '{pair}',
    help: 'Full-GC pairs leakguard forced so far',
    labels: [],
    points: (stats) => [[{}, stats.forcedGcs]],
  },
  {
    name: 'heap_time_to_limit',
    prometheus: 'heap_seconds_to_limit',
    otel: 'leakguard.heap.time_to_limit',
    type: 'gauge',
    unit: 's',
    help: 'While a heap leak is reported and not over: seconds until the heap limit at its rate (absent otherwise)',
    // Labelled by kind (always 'heap') so that it is absent, not 0, while no heap leak is open.
    labels: ['kind'],
    points: (stats) => (stats.msUntilHeapLimit === null ? [] : [[{ kind: 'heap' }, stats.msUntilHeapLimit / 1000]]),
  },
  {
    name: 'overhead_time',
    prometheus: 'overhead_seconds_total',
    otel: 'leakguard.overhead.time',
    type: 'counter',
    unit: 's',
    help: "leakguard's own main-thread time (samples, GC callbacks, reports); its rate is the share of the thread it costs",
    labels: [],
    points: (stats) => [[{}, stats.overhead.ms / 1000]],
  },
]

/** The report counter's description (counted as reports are sent). */
const REPORTS = { prometheus: 'reports_total', otel: 'leakguard.reports', unit: '{report}', help: 'Leak reports sent, by kind and severity' }

/**
 * `guard.stats()` read once per collection: collectors that run in the same
 * turn of the event loop (one scrape) share the reading.
 */
function statsReader(guard) {
  let reading = null
  return () => {
    if (reading === null) {
      reading = guard.stats()
      setImmediate(() => (reading = null))
    }
    return reading
  }
}

module.exports = { METRICS, REPORTS, statsReader }
