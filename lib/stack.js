'use strict'
// Captures the stack above a function as text, for add and creation sites.

const FRAMES = 12

/** The stack above (not including) `fn`, as V8 formats it, or null when it cannot be read. */
function captureStack(fn) {
  const limit = Error.stackTraceLimit
  try {
    Error.stackTraceLimit = FRAMES
    const holder = {}
    Error.captureStackTrace(holder, fn)
    return typeof holder.stack === 'string' ? holder.stack : null
  } catch {
    return null
  } finally {
    Error.stackTraceLimit = limit
  }
}

module.exports = { captureStack }
