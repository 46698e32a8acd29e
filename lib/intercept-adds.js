'use strict'
// Sees every listener added (EventEmitter and EventTarget) while it is installed, for short and deliberate
// windows (a leak check, one test). Unlike the guard's sampled hook it calls
// back on each add. It wraps whatever EventEmitter.prototype holds at the
// time (a guard's hook included) and puts exactly that back.

const EventEmitter = require('node:events')
const { listenerCount } = require('./listener-hook')

/** Calls `onAdd(emitter, type, countBefore)` after each add (EventEmitter or EventTarget); returns `restore()`. */
function interceptAdds(onAdd) {
  const target = EventTarget.prototype
  const previousAddEventListener = target.addEventListener
  const addEventListener = function (type, listener, options) {
    const before = listenerCount(this, type)
    const result = previousAddEventListener.call(this, type, listener, options)
    onAdd(this, type, before)
    return result
  }
  target.addEventListener = addEventListener
  const proto = EventEmitter.prototype
  const previous = { on: proto.on, addListener: proto.addListener, prependListener: proto.prependListener }
  const wrap = (original) =>
    function (type, listener) {
      const before = listenerCount(this, type)
      const result = original.call(this, type, listener)
      onAdd(this, type, before)
      return result
    }
  const wrappers = { on: wrap(previous.on), prependListener: wrap(previous.prependListener) }
  wrappers.addListener = previous.addListener === previous.on ? wrappers.on : wrap(previous.addListener)
  Object.assign(proto, wrappers)
  return function restore() {
    for (const name of Object.keys(wrappers)) {
      if (proto[name] === wrappers[name]) proto[name] = previous[name]
    }
    if (target.addEventListener === addEventListener) target.addEventListener = previousAddEventListener
  }
}

module.exports = { interceptAdds }
