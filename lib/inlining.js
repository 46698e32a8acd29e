'use strict'
// The one owner of V8's `--turbo-inlining` flag in this thread. V8's
// sampling heap profiler walks physical frames: a function TurboFan inlined
// into its caller is charged to the caller (a session store's
// `createSession` shows up as the request handler). While a heap suspicion
// is being sampled for its sites, functions optimized from then on are
// optimized without inlining, so the sites name the function that
// allocates. Flags set at run time apply to later compilations; code
// optimized before keeps its inlining until V8 optimizes it again.
//
// Measured on an express service: the top site of a session-store leak went
// from the request handler (93 %) to `createSession` (95 %), with no
// throughput difference beyond the run-to-run noise (bench/ has the figures).

const v8 = require('node:v8')
const { isMainThread } = require('node:worker_threads')

/** Holders that want inlining off now. */
let holders = 0
/** Whether the application set the flag itself: then leakguard never touches it. */
const ownedByApp = process.execArgv.some((a) => /^--(no-)?turbo[-_]inlining$/.test(a))

function set(on) {
  try {
    v8.setFlagsFromString(on ? '--turbo-inlining' : '--no-turbo-inlining')
  } catch {
    // A V8 without the flag: sites stay as the profiler sees them.
  }
}

/**
 * Turns inlining off for later compilations until the returned release is
 * called (each release once). V8 flags are process-wide: only the main
 * thread changes them, and never when the app set the flag on its command line.
 */
function holdInliningOff() {
  if (!isMainThread || ownedByApp) return () => {}
  if (holders++ === 0) set(false)
  let released = false
  return () => {
    if (released) return
    released = true
    if (--holders === 0) set(true)
  }
}

module.exports = { holdInliningOff }
