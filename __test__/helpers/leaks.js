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

module.exports = { FAST, leakBuffers, waitFor }
