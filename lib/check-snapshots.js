'use strict'
// What a leaking function keeps, for a confirmed heap leak in checkLeak: two
// heap snapshots around a few more calls, compared in Rust on the thread
// pool (lib/heap-analysis.js). Objects new in the second snapshot are what
// the calls kept (both snapshots collect garbage first): by class, per call,
// with the retainer paths that hold them. Two snapshots rather than three:
// in a check nothing else runs between them, so what is alive after a full
// GC is what the calls kept.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { performance } = require('node:perf_hooks')
const { analyzeHeapSnapshots, formatBytes } = require('./heap-analysis')
const { writeHeapSnapshotFile } = require('./heap-snapshot-file')

/** Calls between the snapshots: at least, at most, and their time at most. */
const MIN_CALLS = 20
const MAX_CALLS = 2000
const CALLS_MS = 1000
/** A class is named when the calls kept at least this many of it per call (or it retains the most). */
const MIN_PER_CALL = 0.1

function writeSnapshot(dir, name) {
  return writeHeapSnapshotFile(path.join(dir, name))
}

/**
 * Takes a snapshot, runs `callMany(n)`, takes another, and resolves
 * `{ calls, pauseMs, analysisMs, classes }` (classes most retained first,
 * each with `perCall`, `bytesPerCall`, `retainedBytesPerCall` and
 * `retainerPaths`), or `{ calls, skipped }` when the snapshots failed.
 */
async function explainHeapLeak(callMany, { batchSize, perCallMs }) {
  const calls = Math.max(MIN_CALLS, Math.min(MAX_CALLS, batchSize, Math.floor(CALLS_MS / Math.max(perCallMs, 1e-6))))
  let dir = null
  try {
    // Private (0700) and removed after: a snapshot holds everything in the heap.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-check-'))
    const first = performance.now()
    const base = writeSnapshot(dir, 'base.heapsnapshot')
    const pauseFirst = performance.now() - first
    try {
      await callMany(calls)
    } catch {
      // A call that fails here only shortens what is compared.
    }
    await new Promise((resolve) => setImmediate(resolve))
    const second = performance.now()
    const target = writeSnapshot(dir, 'target.heapsnapshot')
    const pauseMs = Math.round(pauseFirst + performance.now() - second)
    const started = performance.now()
    const analysis = await analyzeHeapSnapshots([base, target], { top: 5, paths: 2 })
    const analysisMs = Math.round(performance.now() - started)
    const all = analysis.classes.map((c) => ({
      name: c.name,
      perCall: c.newObjects.count / calls,
      bytesPerCall: c.newObjects.selfSize / calls,
      retainedBytesPerCall: c.newObjects.retainedSize / calls,
      retainerPaths: c.retainerPaths.map((p) => ({ count: p.count, path: p.path })),
    }))
    const named = all.filter((c, i) => i === 0 || c.perCall >= MIN_PER_CALL).slice(0, 3)
    return { calls, pauseMs, analysisMs, classes: named }
  } catch (error) {
    return { calls, skipped: `the heap snapshots could not be taken or compared: ${error.message}` }
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** The clause the check's message gets: what each call keeps and what holds it. */
function describeHeapGrowth(growth) {
  const top = growth.classes && growth.classes[0]
  if (!top) return null
  const each = top.perCall >= 0.95 && top.perCall < 1.05 ? `1 ${top.name}` : `${top.perCall.toFixed(top.perCall < 10 ? 2 : 0)} ${top.name}`
  const held = top.retainerPaths[0] ? `, held by ${top.retainerPaths[0].path}` : ''
  return `each call keeps ${each} (${formatBytes(top.retainedBytesPerCall)} retained)${held}`
}

module.exports = { describeHeapGrowth, explainHeapLeak }
