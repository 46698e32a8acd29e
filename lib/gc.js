'use strict'
// A full, synchronous garbage collection without `--expose-gc`.

const v8 = require('node:v8')
const vm = require('node:vm')

let collect = null
/** Full GCs this thread has seen: forced here, or observed (see noteMajorGc). */
let fullGcs = 0

/** Returns V8's `gc` function, exposing it at run time when the flag was not given. */
function gcFunction() {
  if (collect) return collect
  if (typeof globalThis.gc === 'function') {
    collect = globalThis.gc
  } else {
    v8.setFlagsFromString('--expose-gc')
    collect = vm.runInNewContext('gc')
  }
  return collect
}

/** Runs a full mark-compact GC now. */
function gc() {
  gcFunction()()
  fullGcs++
}

/** Counts a major GC V8 ran on its own (seen by a GC observer). */
function noteMajorGc() {
  fullGcs++
}

/** Full GCs seen so far on this thread. */
function fullGcCount() {
  return fullGcs
}

/** Resolves after finalizers (FinalizationRegistry, N-API) of the last GC have had a tick to run. */
function afterFinalizers() {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
}

module.exports = { afterFinalizers, fullGcCount, gc, noteMajorGc }
