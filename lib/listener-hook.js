'use strict'
// The listener hook. It replaces `on`/`addListener` and `prependListener`
// on EventEmitter.prototype, and `addEventListener` on EventTarget.prototype
// (AbortSignal, MessagePort, ...), while at least one guard watches
// listeners; `once` and `prependOnceListener` add through the first two, so
// every adding method is seen, once. `emit()`/`dispatchEvent()` are never touched.
//
// The hot path is one call to the original plus a countdown: only a sampled
// add (one in ~8.5, at random gaps so no fixed add pattern can hide) looks at
// the listener array the original just built. A long one (>= BUSY_AT) seen a
// second time is handed to the watching guards, with the add's stack when it
// grew since. Nothing else crosses into Rust per add.

const EventEmitter = require('node:events')
const { captureStack } = require('./stack')

/** Listener arrays shorter than this are never looked at further. */
const BUSY_AT = 8

const proto = EventEmitter.prototype
const targetProto = EventTarget.prototype
/** EventTarget's private listener map (type -> list head with a `size`). */
const kEvents = Object.getOwnPropertySymbols(new EventTarget()).find((s) => s.description === 'kEvents')
const sinks = new Set()
/** Listener array -> longest length a sampled add saw. */
const highWater = new WeakMap()
/** Listener arrays already handed to the sinks. */
const announced = new WeakSet()
let installed = null
let countdown = 1
let seed = 0x2545f491

/**
 * The object that holds `emitter`'s `type` listeners (an EventEmitter's
 * array, an EventTarget's list head), or undefined; never calls overridable
 * methods.
 */
function listenerList(emitter, type) {
  const events = emitter._events
  if (events !== undefined && events !== null) {
    const list = events[type]
    return list === undefined || typeof list === 'function' ? undefined : list
  }
  const map = kEvents === undefined ? undefined : emitter[kEvents]
  // Node's SafeMap: a Map whose prototype is a null-prototype copy, not Map.prototype.
  return map !== undefined && map !== null && typeof map.get === 'function' ? map.get(type) : undefined
}

/** Listeners in a list from `listenerList`. */
function listLength(list) {
  return Array.isArray(list) ? list.length : list.size
}

/** A sampled add: is this list long and growing? Never throws. */
function sampleAdd(emitter, type, hook) {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  countdown = 1 + ((seed >>> 0) & 15)
  if (sinks.size === 0) return
  try {
    const list = listenerList(emitter, type)
    if (list === undefined) return
    const length = listLength(list)
    if (!(length >= BUSY_AT)) return
    const high = highWater.get(list)
    // The first sighting only notes the length: a short-lived emitter that
    // got a few listeners once is not worth tracking.
    if (high === undefined) {
      highWater.set(list, length)
      return
    }
    if (length > high) {
      // Longer than before: worth an add site.
      highWater.set(list, length)
      announced.add(list)
      const stack = captureStack(hook)
      for (const sink of sinks) sink.noteBusy(emitter, type, stack)
    } else if (!announced.has(list)) {
      // Long and seen twice: tracked (for stats), without a stack.
      announced.add(list)
      for (const sink of sinks) sink.noteBusy(emitter, type, null)
    }
  } catch {
    // An emitter with exotic internals: watching it is not worth a throw.
  }
}

/**
 * Hooks are made once per original method and reused across installs: a
 * function literal that is instantiated only once lets V8 specialise the
 * hook on the original it wraps and inline it. That is also why `on` and
 * `prependListener` each have a literal of their own.
 */
const hookCache = new Map()

function cachedHook(original, make) {
  let hook = hookCache.get(original)
  if (hook === undefined) {
    hook = make(original)
    Object.defineProperty(hook, 'name', { value: original.name })
    Object.defineProperty(hook, 'length', { value: original.length })
    hookCache.set(original, hook)
  }
  return hook
}

function makeAddHook(original) {
  const hook = function (type, listener) {
    const result = original.call(this, type, listener)
    if (--countdown === 0) sampleAdd(this, type, hook)
    return result
  }
  return hook
}

function makePrependHook(original) {
  const hook = function (type, listener) {
    const result = original.call(this, type, listener)
    if (--countdown === 0) sampleAdd(this, type, hook)
    return result
  }
  return hook
}

function makeTargetHook(original) {
  const hook = function (type, listener, options) {
    const result = original.call(this, type, listener, options)
    if (--countdown === 0) sampleAdd(this, type, hook)
    return result
  }
  return hook
}

function install() {
  const on = proto.on
  const addListener = proto.addListener
  const prependListener = proto.prependListener
  const addEventListener = targetProto.addEventListener
  const hookedOn = cachedHook(on, makeAddHook)
  const hooks = {
    on: hookedOn,
    addListener: addListener === on ? hookedOn : cachedHook(addListener, makeAddHook),
    prependListener: cachedHook(prependListener, makePrependHook),
  }
  const targetHooks = kEvents === undefined ? {} : { addEventListener: cachedHook(addEventListener, makeTargetHook) }
  installed = { originals: { on, addListener, prependListener }, hooks, targetOriginals: { addEventListener }, targetHooks }
  Object.assign(proto, hooks)
  Object.assign(targetProto, targetHooks)
}

function restore(target, hooks, originals) {
  // Someone may have wrapped our hooks since: then they stay, as pass-through.
  for (const name of Object.keys(hooks)) {
    if (target[name] === hooks[name]) target[name] = originals[name]
  }
}

function uninstall() {
  restore(proto, installed.hooks, installed.originals)
  restore(targetProto, installed.targetHooks, installed.targetOriginals)
  installed = null
}

/** Adds a sink ({ noteBusy(emitter, type, stack) }); installs the hook with the first. */
function attach(sink) {
  sinks.add(sink)
  if (!installed) install()
}

/** Removes a sink; restores the original methods when none is left. */
function detach(sink) {
  sinks.delete(sink)
  if (sinks.size === 0 && installed) uninstall()
}

/**
 * Forgets what sampled adds saw of `emitter`'s `type` listeners: once a watch
 * stops tracking a pair, the same array growing again is tracked afresh
 * instead of only past its old high.
 */
function forget(emitter, type) {
  const list = listenerList(emitter, type)
  if (list !== undefined) {
    highWater.delete(list)
    announced.delete(list)
  }
}

/** Listeners an EventEmitter or EventTarget has for `type`, read without calling overridable methods. */
function listenerCount(emitter, type) {
  const events = emitter._events
  if (events !== undefined && events !== null) {
    const list = events[type]
    if (list === undefined) return 0
    return typeof list === 'function' ? 1 : list.length
  }
  const list = listenerList(emitter, type)
  return list === undefined ? 0 : listLength(list)
}

module.exports = { BUSY_AT, attach, detach, forget, listenerCount }
