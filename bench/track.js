'use strict'
// guard.track() against a bare FinalizationRegistry.register(obj, token), and
// the memory it adds per tracked object with 1e6 tracked objects alive.

const path = require('node:path')
const v8 = require('node:v8')
const leakguard = require('..')
const { runNode } = require('../scripts/spawn')
const { median, row } = require('./harness')

const LIVE = 1_000_000
const PROCESSES = 9

function heapAfterGc() {
  leakguard.gc()
  leakguard.gc()
  return v8.getHeapStatistics().used_heap_size
}

/** Bytes a tracked object costs beyond the object itself, with LIVE of them alive. */
function bytesPerObject(register) {
  const base = heapAfterGc()
  const plain = Array.from({ length: LIVE }, (_, i) => ({ i }))
  const withObjects = heapAfterGc()
  for (const obj of plain) register(obj)
  const tracked = heapAfterGc()
  const perObject = (tracked - withObjects) / LIVE
  plain.length = 0
  return { perObject, objectsAlone: (withObjects - base) / LIVE }
}

module.exports = async function track() {
  // Speed: each subject in its own process, alternating, nine times each
  // (one process's figure varies by a third from the next's here).
  const runs = { register: [], track: [] }
  for (let r = 0; r < PROCESSES; r++) {
    for (const subject of ['register', 'track']) {
      const { stdout } = await runNode([path.join(__dirname, 'track-subject.js'), subject])
      runs[subject].push(Number(stdout.trim()))
    }
  }
  const guard = leakguard.start({ intervalMs: 60_000 })
  const registry = new FinalizationRegistry(() => {})
  const bareMemory = bytesPerObject((obj) => registry.register(obj, 1))
  const trackMemory = bytesPerObject((obj) => guard.track(obj, 'live'))
  guard.stop()
  return [
    row('guard.track(obj, label), 10^6 objects kept alive', median(runs.track), 'ns', 'registry.register(obj, 1)', median(runs.register), `medians of ${PROCESSES} processes each`),
    row(`bytes per tracked object, ${LIVE.toLocaleString('en')} alive`, trackMemory.perObject, 'B', 'register()', bareMemory.perObject, `the object itself: ${trackMemory.objectsAlone.toFixed(0)} B`),
  ]
}
