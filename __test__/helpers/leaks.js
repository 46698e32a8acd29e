'use strict'
// Small, fast leaks for in-process API tests.

/** Retains `bytesPerTick` of Buffers every `everyMs` until the returned stop() is called. */
function leakBuffers({ bytesPerTick = 1024 * 1024, everyMs = 20 } = {}) {
  const kept = []
  const timer = setInterval(() => kept.push(Buffer.alloc(bytesPerTick, 1)), everyMs)
  return () => {
    clearInterval(timer)
    kept.length = 0
  }
}

/** Options that decide within about a second. */
const FAST = Object.freeze({ intervalMs: 50, warmupSamples: 2, minSamples: 12 })

/** Resolves with the first value `register(resolve)` hands back, or rejects after `ms`. */
function waitFor(register, ms = 15_000, what = 'event') {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)
    register((value) => {
      clearTimeout(timer)
      resolve(value)
    })
  })
}

/**
 * Starts a FAST guard, runs `work(guard)` every `everyMs`, and resolves with
 * the reports of `kind` seen: at the first one, or after `ms` when given
 * (then every one seen). `setup(guard)` runs once, right after start.
 */
async function watchReports(kind, work, { everyMs = 10, ms, stopAtFirst = true, setup } = {}) {
  const leakguard = require('../..')
  const reports = []
  let guard
  let timer
  try {
    await waitFor(
      (done) => {
        guard = leakguard.start({
          ...FAST,
          onLeak(report) {
            if (report.kind !== kind) return
            reports.push(report)
            if (stopAtFirst) done()
          },
        })
        if (setup) setup(guard)
        timer = setInterval(() => work(guard), everyMs)
        if (ms) setTimeout(done, ms)
      },
      (ms || 15_000) + 5000,
      `${kind} report`,
    )
  } finally {
    clearInterval(timer)
    guard.stop()
  }
  return { reports, stats: guard.stats() }
}

/** A fresh directory only this user can enter (0700), for heap snapshots. */
function privateDir() {
  const dir = require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'leakguard-snap-'))
  require('node:fs').chmodSync(dir, 0o700)
  return dir
}

/** Resolves once `guard` has taken `n` more samples (rejects after `ms`): wait for samples, not for time. */
function moreSamples(guard, n, ms = 20_000) {
  const until = guard.stats().samples + n
  return waitFor((done) => {
    const timer = setInterval(() => {
      if (guard.stats().samples >= until) {
        clearInterval(timer)
        done()
      }
    }, 5)
  }, ms, `${n} samples`)
}

/**
 * A listener leak that speeds up: a long list (200,000 listeners, so the
 * first report is of medium severity) grows by one listener every 50 ms,
 * then, from `speedUp()` on, `factor` times faster a tick (up to 500 a
 * tick). `stop()` ends it.
 */
function speedingUpListenerLeak(factor = 1.3) {
  const EventEmitter = require('node:events')
  const bus = new EventEmitter().setMaxListeners(0)
  for (let i = 0; i < 200_000; i++) bus.on('job', () => {})
  let perTick = 1
  let faster = false
  const timer = setInterval(() => {
    for (let i = 0; i < perTick; i++) bus.on('job', () => {})
    if (faster) perTick = Math.min(perTick * factor + 1, 500)
  }, 50)
  return {
    speedUp: () => (faster = true),
    stop: () => clearInterval(timer),
  }
}

module.exports = { FAST, leakBuffers, moreSamples, privateDir, speedingUpListenerLeak, waitFor, watchReports }
