'use strict'
// The EventEmitter hook changes nothing an application can observe: the same
// trace of behaviours with and without a guard, and the originals restored.

const assert = require('node:assert/strict')
const EventEmitter = require('node:events')
const { Readable } = require('node:stream')
const { test } = require('node:test')
const leakguard = require('..')

class Child extends EventEmitter {
  on(event, listener) {
    this.seen = (this.seen || 0) + 1
    return super.on(event, listener)
  }
}

/** Exercises EventEmitter and returns what an application could observe. */
async function trace() {
  const log = []
  const e = new EventEmitter()
  e.on('newListener', (event) => log.push(`newListener:${String(event)}`))
  e.on('removeListener', (event) => log.push(`removeListener:${String(event)}`))
  log.push(e.on('a', () => log.push('a1')) === e)
  e.prependListener('a', () => log.push('a0'))
  e.once('a', () => log.push(`once-a count=${e.listenerCount('a')}`))
  e.prependOnceListener('a', () => log.push(`prepend-once-a count=${e.listenerCount('a')}`))
  log.push(`raw:${e.rawListeners('a').map((l) => typeof l.listener).join(',')}`)
  log.push(`listeners:${e.listeners('a').length}`)
  e.emit('a')
  e.emit('a')
  const b = () => log.push('b')
  e.addListener('b', b)
  e.off('b', b)
  log.push(`b-count:${e.listenerCount('b')} emit-b:${e.emit('b')}`)
  const sym = Symbol('s')
  e.on(sym, () => log.push('sym'))
  e.emit(sym)
  log.push(`names:${e.eventNames().map(String).join('|')}`)
  // errorMonitor sees the error before the 'error' listeners.
  e.on(EventEmitter.errorMonitor, (err) => log.push(`monitor:${err.message}`))
  e.on('error', (err) => log.push(`error:${err.message}`))
  e.emit('error', new Error('boom'))
  // captureRejections turns a rejected async listener into an 'error' event.
  const c = new EventEmitter({ captureRejections: true })
  const rejected = new Promise((resolve) => c.on('error', (err) => resolve(err.message)))
  c.on('job', async () => {
    throw new Error('async boom')
  })
  c.emit('job')
  log.push(`captured:${await rejected}`)
  // Subclasses that override on().
  const child = new Child()
  child.on('x', () => log.push('child-x'))
  child.once('x', () => log.push('child-once-x'))
  child.emit('x')
  child.emit('x')
  log.push(`child-seen:${child.seen}`)
  // Max listeners.
  const m = new EventEmitter()
  m.setMaxListeners(3)
  log.push(`max:${m.getMaxListeners()}`)
  for (let i = 0; i < 12; i++) m.on('many', () => {})
  log.push(`many:${m.listenerCount('many')}`)
  // Streams override on('data') to start flowing.
  const chunks = []
  await new Promise((resolve) => {
    const r = Readable.from(['x', 'y', 'z'])
    r.on('data', (d) => chunks.push(d))
    r.on('end', resolve)
  })
  log.push(`stream:${chunks.join('')}`)
  // A non-function listener gets Node's own error.
  try {
    e.on('bad', 'not a function')
  } catch (err) {
    log.push(`${err.name}:${err.code}:${err.message}`)
  }
  try {
    e.prependListener('bad', 42)
  } catch (err) {
    log.push(`${err.name}:${err.code}:${err.message}`)
  }
  return log
}

const ADDING = ['on', 'addListener', 'prependListener', 'once', 'prependOnceListener', 'emit', 'off', 'removeListener']

test('EventEmitter behaves the same with a guard running, and is restored after stop()', async () => {
  const before = Object.fromEntries(ADDING.map((name) => [name, EventEmitter.prototype[name]]))
  const vanilla = []
  for (let i = 0; i < 30; i++) vanilla.push(await trace())
  const guard = leakguard.start({ intervalMs: 20 })
  const hooked = []
  try {
    assert.notEqual(EventEmitter.prototype.on, before.on, 'the hook is installed')
    assert.equal(EventEmitter.prototype.on, EventEmitter.prototype.addListener)
    assert.equal(EventEmitter.prototype.emit, before.emit, 'emit() is never hooked')
    assert.equal(EventEmitter.prototype.on.name, before.on.name)
    assert.equal(EventEmitter.prototype.on.length, before.on.length)
    // Enough runs that sampled adds land on every kind of call.
    for (let i = 0; i < 30; i++) hooked.push(await trace())
  } finally {
    guard.stop()
  }
  assert.deepEqual(hooked, vanilla)
  assert.ok(vanilla[0].includes('TypeError:ERR_INVALID_ARG_TYPE:The "listener" argument must be of type function. Received type string (\'not a function\')'))
  for (const name of ADDING) assert.equal(EventEmitter.prototype[name], before[name], `${name} restored`)
})

test('Node still warns at 11 listeners, once, while a guard runs', async () => {
  const guard = leakguard.start({ intervalMs: 20 })
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    const e = new EventEmitter()
    for (let i = 0; i < 15; i++) e.on('x', () => {})
    await new Promise((r) => setImmediate(r))
  } finally {
    process.off('warning', onWarning)
    guard.stop()
  }
  const max = warnings.filter((w) => w.name === 'MaxListenersExceededWarning')
  assert.equal(max.length, 1)
  assert.equal(max[0].count, 11)
})

test('two guards share one hook; it goes when the last one stops', () => {
  const on = EventEmitter.prototype.on
  const a = leakguard.start()
  const hooked = EventEmitter.prototype.on
  const b = leakguard.start()
  assert.equal(EventEmitter.prototype.on, hooked)
  a.stop()
  assert.equal(EventEmitter.prototype.on, hooked)
  b.stop()
  assert.equal(EventEmitter.prototype.on, on)
})

test('a wrapper installed on top of the hook is left in place by stop()', () => {
  const on = EventEmitter.prototype.on
  const guard = leakguard.start()
  const hooked = EventEmitter.prototype.on
  const wrapper = function (type, listener) {
    return hooked.call(this, type, listener)
  }
  EventEmitter.prototype.on = wrapper
  guard.stop()
  assert.equal(EventEmitter.prototype.on, wrapper)
  const e = new EventEmitter()
  e.on('x', () => {})
  assert.equal(e.listenerCount('x'), 1)
  EventEmitter.prototype.on = on
})

test('EventTarget.prototype.addEventListener is hooked while a guard runs and restored by stop(); removeEventListener and dispatchEvent are never touched', () => {
  const { addEventListener, removeEventListener, dispatchEvent } = EventTarget.prototype
  const guard = leakguard.start({ intervalMs: 20 })
  try {
    assert.notEqual(EventTarget.prototype.addEventListener, addEventListener, 'the hook is installed')
    assert.equal(EventTarget.prototype.removeEventListener, removeEventListener)
    assert.equal(EventTarget.prototype.dispatchEvent, dispatchEvent)
    const target = new EventTarget()
    let calls = 0
    const listener = () => calls++
    target.addEventListener('x', listener)
    target.dispatchEvent(new Event('x'))
    target.removeEventListener('x', listener)
    target.dispatchEvent(new Event('x'))
    assert.equal(calls, 1)
  } finally {
    guard.stop()
  }
  assert.equal(EventTarget.prototype.addEventListener, addEventListener, 'addEventListener restored')
  assert.equal(EventTarget.prototype.removeEventListener, removeEventListener)
  assert.equal(EventTarget.prototype.dispatchEvent, dispatchEvent)
})
