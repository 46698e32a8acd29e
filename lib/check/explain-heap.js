'use strict'
// What a leaking function keeps, for a confirmed heap leak in checkLeak:
// heap-object tracking started before a few more calls, and one heap
// snapshot after them, analysed in Rust on the thread pool
// (lib/snapshot/heap-analysis.js). Objects V8 numbered after tracking started are
// what the calls kept (the snapshot collects garbage first): by class, per
// call, with the retainer paths that hold them. In a check nothing else runs
// meanwhile, so what is new and alive after a full GC is what the calls kept.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { isOwnFile } = require('../own-files')
const v8 = require('node:v8')
const { performance } = require('node:perf_hooks')
const { analyzeNewObjects } = require('../snapshot/heap-analysis')
const { trackNewObjects } = require('../snapshot/new-object-ids')
const { bytes, duration } = require('../report/format')
const { writeHeapSnapshotFile } = require('../snapshot/heap-snapshot-file')
const { lacksMemory } = require('../snapshot/snapshots')

/** Calls made while tracking: at least, at most, and their time at most. */
const MIN_CALLS = 20
const MAX_CALLS = 2000
const CALLS_MS = 1000
/** A class is named when the calls kept at least this many of it per call (or it retains the most). */
const MIN_PER_CALL = 0.1
/**
 * A snapshot's pause per MiB of heap in use, to judge whether one fits in
 * the check's budget before starting: 20 to 66 ms were measured on this
 * project's machine (heaps of many small objects are the slow ones), in a
 * check and under Jest, and 57 ms on the 50 MiB heap of a check keeping
 * gzip streams, which then ended at 5.3 s of its 5 s budget once; a
 * quarter above the higher end is assumed.
 */
const PAUSE_MS_PER_MIB = 80
/** The analysis takes about this share of the snapshot's pause. */
const ANALYSIS_SHARE = 0.4
/** Starting heap-object tracking: V8 numbers every object, and its first id comes on a ~50 ms tick. */
const TRACKING_MS = 100

/**
 * A retainer path up to the code that holds the objects: it ends at the
 * first closure with a location (the function whose variable holds them:
 * `Map 'sessions' ← (closure) createSession (store.js:5:23)`; the module
 * cache and `require` above it say nothing more), or before the check's own
 * frames (the loop calling the function). The last step kept loses the name
 * it is held by there.
 */
function untilCode(p) {
  let end = p.steps.length
  for (let i = 0; i < p.steps.length; i++) {
    const step = p.steps[i]
    if (step.function == null || typeof step.location !== 'string') continue
    end = isOwnFile(step.location) ? i : i + 1
    break
  }
  if (end <= 0 || end === p.steps.length) return p
  const steps = p.steps.slice(0, end)
  steps[end - 1] = { ...steps[end - 1], edgeKind: null, edgeName: '' }
  return { count: p.count, steps }
}

/**
 * Starts V8's heap-object tracking, runs `callMany(n)`, takes one snapshot,
 * and resolves `{ calls, pauseMs, analysisMs, classes }`: the objects
 * numbered after tracking started, that is what the calls kept (the
 * snapshot collects garbage first), classes most retained first, each with
 * `perCall`, `bytesPerCall`, `retainedBytesPerCall` and `retainerPaths`. Or
 * `{ calls, skipped }` when tracking or the snapshot failed, would not fit
 * in the `leftMs` the check's budget leaves (a snapshot's pause grows with
 * the heap: the leak made it bigger), or would not fit in the memory the
 * process has left.
 */
async function explainHeapLeak(callMany, { batchSize, perCallMs, leftMs }) {
  const calls = Math.max(MIN_CALLS, Math.min(MAX_CALLS, batchSize, Math.floor(CALLS_MS / Math.max(perCallMs, 1e-6))))
  const heapMiB = v8.getHeapStatistics().used_heap_size / 1048576
  const estimate = TRACKING_MS + calls * perCallMs + heapMiB * PAUSE_MS_PER_MIB * (1 + ANALYSIS_SHARE)
  const noRoom = (needMs) =>
    `a heap snapshot of this ${bytes(heapMiB * 1048576)} heap would take ~${duration(needMs)}, and the check's timeoutMs leaves ${duration(Math.max(0, leftMs))}: raise timeoutMs to have it`
  if (estimate > leftMs) return { calls, skipped: noRoom(estimate) }
  // A snapshot needs memory too: the same headroom check as snapshots on alert.
  const why = lacksMemory(null)
  if (why) return { calls, skipped: why }
  const deadline = performance.now() + leftMs
  const tracking = await trackNewObjects()
  if (tracking.unavailable) return { calls, skipped: tracking.unavailable }
  let dir = null
  try {
    try {
      await callMany(calls)
    } catch {
      // A call that fails here only shortens what is kept.
    }
    await new Promise((resolve) => setImmediate(resolve))
    const rest = heapMiB * PAUSE_MS_PER_MIB * (1 + ANALYSIS_SHARE)
    if (performance.now() + rest > deadline) return { calls, skipped: noRoom(rest) }
    // Private (0700) and removed after: a snapshot holds everything in the heap.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-check-'))
    const taken = performance.now()
    const target = writeHeapSnapshotFile(path.join(dir, 'target.heapsnapshot'))
    const pauseMs = Math.round(performance.now() - taken)
    tracking.stop()
    const started = performance.now()
    const analysis = await analyzeNewObjects(target, tracking.lastId, { top: 5, paths: 2 })
    const analysisMs = Math.round(performance.now() - started)
    const all = analysis.classes.map((c) => ({
      name: c.name,
      perCall: c.newObjects.count / calls,
      bytesPerCall: c.newObjects.selfSize / calls,
      retainedBytesPerCall: c.newObjects.retainedSize / calls,
      retainerPaths: c.retainerPaths.map(untilCode),
    }))
    const named = all.filter((c, i) => i === 0 || c.perCall >= MIN_PER_CALL).slice(0, 3)
    return { calls, pauseMs, analysisMs, classes: named }
  } catch (error) {
    return { calls, skipped: `the heap snapshot could not be taken or analysed: ${error.message}` }
  } finally {
    tracking.stop()
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  }
}

module.exports = { explainHeapLeak }
