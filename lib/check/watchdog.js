'use strict'
// A check's time budget, and the watchdog that gives up on a call that never returns.

const { performance } = require('node:perf_hooks')
const { codedError } = require('../errors')
const { ABANDONED } = require('./calls')

/**
 * Runs `body(state)` with the check's time budget in `state.deadline`. If a
 * call of the function is still pending well past the budget (an async
 * function that never settles), rejects with `ERR_LEAKGUARD_CHECK_TIMEOUT` and
 * runs the cleanups `body` registered in `state.cleanups`.
 */
function withWatchdog(timeoutMs, body) {
  const started = performance.now()
  const state = { calls: 0, async: false, inCall: false, abandoned: false, started, deadline: started + timeoutMs, clockMask: 0, cleanups: [] }
  const cleanUp = () => {
    for (const cleanup of state.cleanups.splice(0)) cleanup()
  }
  return new Promise((resolve, reject) => {
    // Past the budget, a pending call gets a grace of a quarter of it
    // (at least a second) before the check gives up on it.
    const grace = Math.max(1000, timeoutMs / 4)
    let timer
    const watch = (ms) => {
      timer = setTimeout(() => {
        if (!state.inCall) return watch(250)
        state.abandoned = true
        cleanUp()
        reject(codedError('ERR_LEAKGUARD_CHECK_TIMEOUT', `The function under check did not return within the ${timeoutMs.toLocaleString('en')} ms budget (call ${(state.calls + 1).toLocaleString('en')} still pending after ${Math.round(performance.now() - started).toLocaleString('en')} ms); raise options.timeoutMs if it is this slow`))
      }, ms)
    }
    watch(timeoutMs + grace)
    body(state).then(
      (result) => {
        clearTimeout(timer)
        cleanUp()
        resolve(result)
      },
      (error) => {
        clearTimeout(timer)
        cleanUp()
        if (error !== ABANDONED) reject(error)
      },
    )
  })
}

module.exports = { withWatchdog }
