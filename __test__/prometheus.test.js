'use strict'
// leakguard.prometheus(): collectors in a real prom-client registry, read
// through its text exposition, as Prometheus scrapes them.

const assert = require('node:assert/strict')
const { EventEmitter } = require('node:events')
const { describe, test } = require('node:test')
const client = require('prom-client')
const leakguard = require('..')
const { FAST, leakBuffers, moreSamples, waitFor } = require('./helpers/leaks')

/** The value of `name{labels}` in `text`, or undefined. */
function valueOf(text, name, labels = {}) {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const got = Object.fromEntries([...(match[3] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]))
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(match[4])
  }
  return undefined
}

describe('leakguard.prometheus()', () => {
  test('while a heap leak is open, heap_seconds_to_limit counts down from its report', async () => {
    const register = new client.Registry()
    const kept = []
    const timer = setInterval(() => kept.push(new Array(20_000).fill(kept.length + 0.5)), 10)
    let guard
    const report = await waitFor((done) => {
      guard = leakguard.start({ ...FAST, allocationSites: false, onLeak: (r) => r.kind === 'heap' && done(r) })
      leakguard.prometheus({ register, guard })
    }, 20_000, 'heap report').finally(() => clearInterval(timer))
    try {
      const left = valueOf(await register.metrics(), 'leakguard_heap_seconds_to_limit', { kind: 'heap' })
      assert.ok(report.msUntilLimit > 0)
      // The report's projection, less the time since it was made.
      assert.ok(left > 0 && left <= report.msUntilLimit / 1000, `${left} s vs ${report.msUntilLimit} ms`)
      assert.equal(guard.stats().msUntilHeapLimit !== null, true)
    } finally {
      guard.stop()
      kept.length = 0
    }
  })

  test('registers gauges and counters with sane values; a leak shows as leaking, with its report counted', async () => {
    const register = new client.Registry()
    const stopLeak = leakBuffers()
    let guard
    await waitFor((done) => {
      guard = leakguard.start({ ...FAST, onLeak: (r) => r.kind === 'external' && done(r) })
      leakguard.prometheus({ register, labels: { service: 'checkout' }, guard })
    }, 15_000, 'report').finally(stopLeak)
    try {
      const text = await register.metrics()
      for (const kind of ['heap', 'external', 'native']) {
        const baseline = valueOf(text, 'leakguard_memory_baseline_bytes', { kind, service: 'checkout' })
        assert.ok(baseline > 0 && baseline < 8 * 2 ** 30, `${kind} baseline ${baseline}`)
      }
      assert.equal(valueOf(text, 'leakguard_memory_leaking', { kind: 'external' }), 1, text)
      assert.ok(valueOf(text, 'leakguard_memory_growth_bytes_per_second', { kind: 'external' }) > 100_000, text)
      assert.equal(valueOf(text, 'leakguard_memory_leaking', { kind: 'heap' }), 0)
      assert.ok(valueOf(text, 'leakguard_reports_total', { kind: 'external', service: 'checkout' }) >= 1, text)
      assert.ok(valueOf(text, 'leakguard_forced_gc_pairs') >= 1, text)
      // leakguard's own time, as the guard measured it; no heap leak open, so no time to the heap limit.
      assert.ok(valueOf(text, 'leakguard_overhead_seconds_total') > 0, text)
      assert.ok(valueOf(text, 'leakguard_overhead_seconds_total') <= guard.stats().overhead.ms / 1000 + 1e-9)
      assert.doesNotMatch(text, /^leakguard_heap_seconds_to_limit/m)
      assert.match(text, /# TYPE leakguard_reports_total counter/)
      assert.match(text, /# TYPE leakguard_memory_baseline_bytes gauge/)
    } finally {
      guard.stop()
    }
    // stop() unregistered them.
    assert.doesNotMatch(await register.metrics(), /leakguard_/)
  })

  test('listener counts and alive objects, top N only', async () => {
    const register = new client.Registry()
    const guard = leakguard.start({ intervalMs: 20, warmupSamples: 0 })
    const emitters = Array.from({ length: 3 }, () => new EventEmitter().setMaxListeners(0))
    const kept = []
    try {
      leakguard.prometheus({ register, guard, top: 2 })
      for (let round = 0; round < 30; round++) {
        emitters.forEach((e, i) => {
          for (let k = 0; k <= i; k++) e.on('tick', () => {})
        })
        kept.push(guard.track({}, round % 2 ? 'session' : 'request'))
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      // The counts are the latest sample's: wait for one taken after the last track().
      await moreSamples(guard, 2)
      const text = await register.metrics()
      const listenerLines = text.split('\n').filter((l) => l.startsWith('leakguard_listeners{'))
      assert.ok(listenerLines.length >= 1 && listenerLines.length <= 2, listenerLines.join('\n'))
      assert.ok(listenerLines.every((l) => /event="tick"/.test(l) && /emitter="EventEmitter"/.test(l)), listenerLines.join('\n'))
      assert.equal(valueOf(text, 'leakguard_objects_alive', { label: 'request' }), 15)
      assert.equal(valueOf(text, 'leakguard_objects_alive', { label: 'session' }), 15)
    } finally {
      guard.stop()
    }
  })

  test('a second registration in the same registry replaces the first instead of throwing; names do not collide with collectDefaultMetrics', async () => {
    const register = new client.Registry()
    client.collectDefaultMetrics({ register })
    const guard = leakguard.start({ intervalMs: 60_000 })
    try {
      leakguard.prometheus({ register, guard })
      assert.doesNotThrow(() => leakguard.prometheus({ register, guard }))
      const text = await register.metrics()
      assert.equal(text.split('\n').filter((l) => l === '# TYPE leakguard_reports_total counter').length, 1)
      assert.match(text, /nodejs_heap_size_used_bytes/)
    } finally {
      guard.stop()
    }
  })

  test('without a guard, or with a bad registry, prefix or label: coded errors', () => {
    const register = new client.Registry()
    assert.throws(() => leakguard.prometheus({ register }), (e) => e.code === 'ERR_LEAKGUARD_NO_GUARD')
    const guard = leakguard.start({ intervalMs: 60_000 })
    try {
      assert.throws(() => leakguard.prometheus({ register: {}, guard }), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE')
      assert.throws(() => leakguard.prometheus({ register, guard, prefix: 'bad-prefix' }), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_VALUE')
      assert.throws(() => leakguard.prometheus({ register, guard, labels: { 'bad-name': 'x' } }), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_VALUE' && /'bad-name' is not one/.test(e.message))
      assert.throws(() => leakguard.prometheus({ register, guard, labels: { ok: 1 } }), (e) => e.code === 'ERR_INVALID_ARG_TYPE')
      assert.throws(() => leakguard.prometheus({ register, guard, top: 0 }), (e) => e instanceof RangeError && e.code === 'ERR_OUT_OF_RANGE')
      // The latest running guard is the default.
      const unregister = leakguard.prometheus({ register, prefix: 'app_leakguard_' })
      assert.ok(register.getSingleMetric('app_leakguard_memory_baseline_bytes'))
      unregister()
      assert.equal(register.getSingleMetric('app_leakguard_memory_baseline_bytes'), undefined)
    } finally {
      guard.stop()
    }
  })
})
