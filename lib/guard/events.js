'use strict'
// A guard's subscribers: `on('leak' | 'resolved' | 'analysis', fn)`, each
// called in subscription order and isolated from the others' throws and
// rejections.

const { invalidArgType, invalidArgValue, validateFunction } = require('../errors')

/** The events a guard emits to `on()` subscribers. */
const GUARD_EVENTS = ['leak', 'resolved', 'analysis']

function validateGuardEvent(event) {
  if (typeof event !== 'string') throw invalidArgType('event', 'of type string', event)
  if (!GUARD_EVENTS.includes(event)) throw invalidArgValue('event', GUARD_EVENTS.map((e) => `'${e}'`).join(' or '), event)
}

class GuardEvents {
  constructor() {
    this.lists = { leak: [], resolved: [], analysis: [] }
  }

  /** Adds `listener` to `event` (validated: coded errors). */
  on(event, listener) {
    validateGuardEvent(event)
    validateFunction(listener, 'listener')
    this.lists[event].push(listener)
  }

  /** Removes the last subscription of `listener` to `event`, if any. */
  off(event, listener) {
    validateGuardEvent(event)
    validateFunction(listener, 'listener')
    const list = this.lists[event]
    const at = list.lastIndexOf(listener)
    if (at >= 0) list.splice(at, 1)
  }

  /** How many subscribe to `event`. */
  count(event) {
    return this.lists[event].length
  }

  /**
   * Calls `first` (when given: `onLeak`) and each subscriber of `event` with
   * `payload`, isolated from the others: a throw or a rejection goes to
   * `failed(error)`, and the next one is called. The list is copied first:
   * a subscriber that subscribes or unsubscribes changes the next emit.
   */
  emit(event, payload, failed, first = null) {
    const subscribers = first ? [first, ...this.lists[event]] : [...this.lists[event]]
    for (const subscriber of subscribers) {
      try {
        const result = subscriber(payload)
        if (result && typeof result.then === 'function') result.then(undefined, failed)
      } catch (error) {
        failed(error)
      }
    }
  }
}

module.exports = { GuardEvents }
