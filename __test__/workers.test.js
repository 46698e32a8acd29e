'use strict'
// Each worker thread watches its own isolate.

const assert = require('node:assert/strict')
const path = require('node:path')
const { test } = require('node:test')
const { Worker } = require('node:worker_threads')
const leakguard = require('..')
const { FAST } = require('./helpers/leaks')

const root = path.join(__dirname, '..')

/** Starts a worker that runs a guard and posts { report } or { stats }. */
function runWorker(body) {
  const source = `
    const { parentPort } = require('node:worker_threads')
    const leakguard = require(${JSON.stringify(root)})
    const { FAST, leakBuffers } = require(${JSON.stringify(path.join(__dirname, 'helpers/leaks.js'))})
    ${body}
  `
  const worker = new Worker(source, { eval: true })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.terminate()
      reject(new Error('worker sent nothing within 20 s'))
    }, 20_000)
    worker.once('message', (message) => {
      clearTimeout(timer)
      worker.terminate().then(() => resolve(message))
    })
    worker.once('error', reject)
  })
}

test('a leak inside a worker is reported inside that worker, not on the main thread', async () => {
  const mainReports = []
  const mainGuard = leakguard.start({ ...FAST, onLeak: (r) => mainReports.push(r) })
  try {
    const message = await runWorker(`
      const stopLeak = leakBuffers()
      const guard = leakguard.start({ ...FAST, onLeak(report) {
        stopLeak()
        const stats = guard.stats()
        guard.stop()
        parentPort.postMessage({ report, stats })
      } })
    `)
    assert.equal(message.report.kind, 'external')
    assert.match(message.report.message, /External memory/)
    // malloc is process-wide: only the main thread judges native memory.
    assert.equal(message.stats.memory.find((m) => m.kind === 'native').state, 'off')
    assert.notEqual(mainGuard.stats().memory.find((m) => m.kind === 'native').state, 'off')
    // The main thread's own heap does grow while it starts a worker (a trend
    // at FAST's 0.6 s window); the worker's Buffers must not show up there as
    // external or native memory.
    const misread = mainReports.filter((r) => r.kind === 'external' || r.kind === 'native')
    assert.deepEqual(misread.map((r) => r.kind), [], "the worker's Buffers are not the main thread's leak")
  } finally {
    mainGuard.stop()
  }
})

test('stop() and start() again work inside a worker', async () => {
  const message = await runWorker(`
    const first = leakguard.start(FAST)
    first.stop()
    const second = leakguard.start({ intervalMs: 20 })
    setTimeout(() => {
      const stats = second.stats()
      second.stop()
      parentPort.postMessage({ first: first.stats(), stats })
    }, 300)
  `)
  assert.equal(message.first.running, false)
  assert.equal(message.stats.running, true)
  assert.ok(message.stats.samples >= 3)
})
