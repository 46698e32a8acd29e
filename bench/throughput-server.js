'use strict'
// An express service for the throughput bench, on 127.0.0.1. Prints its
// port, then serves until killed. Over its IPC channel it takes the variant
// to run next — 'none', 'guard', 'guard-always', 'guard-no-sites' or
// 'guard-everything', or 'sample-<n>k' (V8's sampling heap profiler alone,
// every n KiB) — stops what it runs (if anything), starts that one,
// and answers 'ready'; to 'overhead' it answers the guard's own time so far. 'guard-everything' is a guard on defaults with JSON
// logs, alert limits and heap snapshots on alert configured, Prometheus and
// OpenTelemetry collectors, both scraped every 5 s.

const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const express = require('express')
const leakguard = require('..')

const snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-bench-'))

const VARIANTS = {
  none: null,
  guard: {},
  'guard-always': { allocationSites: 'always' },
  'guard-no-sites': { allocationSites: false },
  'guard-everything': { log: 'json', alerts: { minIntervalMs: 60_000, realertMs: 600_000 }, snapshot: { dir: snapshotDir } },
}

/** Prometheus and OpenTelemetry collectors for `guard`, scraped every 5 s; returns their stop(). */
function exportEverything(guard) {
  const client = require('prom-client')
  const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics')
  const register = new client.Registry()
  leakguard.prometheus({ register, guard })
  class PullReader extends MetricReader {
    async onForceFlush() {}
    async onShutdown() {}
  }
  const reader = new PullReader()
  leakguard.openTelemetry({ meterProvider: new MeterProvider({ readers: [reader] }), guard })
  const timer = setInterval(() => {
    register.metrics()
    reader.collect()
  }, 5000)
  return () => clearInterval(timer)
}

/** V8's sampling heap profiler on its own, every `interval` bytes (variants 'sample-<n>k'); returns its stop(). */
function sampleAllocations(interval) {
  const session = new (require('node:inspector').Session)()
  session.connect()
  session.post('HeapProfiler.startSampling', { samplingInterval: interval })
  return () => {
    session.post('HeapProfiler.stopSampling')
    session.disconnect()
  }
}

let guard = null
let stopExport = null
process.on('message', (variant) => {
  // The guard's own main-thread time so far (stats().overhead), read
  // around each counted round.
  if (variant === 'overhead') return process.send({ overheadMs: guard ? guard.stats().overhead.ms : null })
  if (stopExport) stopExport()
  stopExport = null
  if (guard) guard.stop()
  guard = VARIANTS[variant] ? leakguard.start(VARIANTS[variant]) : null
  if (variant === 'guard-everything') stopExport = exportEverything(guard)
  const sampling = /^sample-(\d+)k$/.exec(variant)
  if (sampling) stopExport = sampleAllocations(Number(sampling[1]) * 1024)
  process.send({ ready: variant, forcedGcs: guard ? guard.stats().forcedGcs : 0 })
})
process.on('exit', () => fs.rmSync(snapshotDir, { recursive: true, force: true }))

const app = express()
const products = Array.from({ length: 200 }, (_, i) => ({ id: i, name: `product-${i}`, price: i * 1.5, tags: ['a', 'b'] }))
app.get('/products/:id', (req, res) => {
  const id = Number(req.params.id) % products.length
  res.json({ product: products[id], related: products.slice(id, id + 5), at: Date.now() })
})
const server = http.createServer(app).listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
