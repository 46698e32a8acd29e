'use strict'
// The one owner of V8's heap-object tracking in this thread. Once tracking
// starts, V8 has numbered every object alive, and numbers what is allocated
// after in order: a heap snapshot taken before tracking stops tells the new
// objects (numbered past the last id seen at the start) from the old without
// a second snapshot to compare with. A check explaining a leak pays for one
// snapshot instead of two (measured on a session store's heap of ~8 MiB:
// ~45 ms to start tracking against ~400 ms for the snapshot it saves).

/** How long to wait for V8's first `lastSeenObjectId` (it comes on its ~50 ms heap-stats tick). */
const FIRST_ID_WAIT_MS = 1000

function post(session, method, params = {}) {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))))
}

/**
 * Starts heap-object tracking on an inspector session of its own; resolves
 * `{ lastId, stop() }` (objects numbered past `lastId` were allocated after
 * this call; `stop()` ends tracking, frees V8's id table, and may be called
 * more than once), or `{ unavailable }` saying why it could not start.
 */
async function trackNewObjects() {
  let session
  try {
    // Loaded here: a Node built without the inspector throws on require.
    const inspector = require('node:inspector')
    session = new inspector.Session()
    session.connect()
  } catch (error) {
    return { unavailable: `the inspector is not available: ${error.message}` }
  }
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    try {
      // Disconnecting disables the session's profiler agent: tracking stops
      // without the snapshot `stopTrackingHeapObjects` would stream.
      session.disconnect()
    } catch {}
  }
  let timer
  try {
    const firstId = new Promise((resolve) => {
      session.once('HeapProfiler.lastSeenObjectId', (message) => resolve(message.params.lastSeenObjectId))
      timer = setTimeout(resolve, FIRST_ID_WAIT_MS, null)
    })
    await post(session, 'HeapProfiler.enable')
    await post(session, 'HeapProfiler.startTrackingHeapObjects', { trackAllocations: false })
    const lastId = await firstId
    if (!Number.isInteger(lastId) || lastId <= 0) {
      stop()
      return { unavailable: `V8 gave no object id within ${FIRST_ID_WAIT_MS} ms of starting heap-object tracking` }
    }
    return { lastId, stop }
  } catch (error) {
    stop()
    return { unavailable: `heap-object tracking could not be started: ${error.message}` }
  } finally {
    clearTimeout(timer)
  }
}

module.exports = { trackNewObjects }
