'use strict'
// A collection probe for tests: hand it an object, drop every reference,
// then ask whether the object was collected.

const { afterFinalizers, gc } = require('../gc')
const { validateNumber, validateObject } = require('../errors')
const { validateTarget } = require('../guard/object-watch')

const registry = new FinalizationRegistry((probe) => {
  probe.finalized = true
})

class CollectionProbe {
  constructor(obj) {
    this.finalized = false
    registry.register(obj, this)
  }

  /**
   * Resolves true once the object has been collected: runs up to `attempts`
   * full GCs, each followed by a wait for finalizers (which Node runs on a
   * later tick). Resolves false if it is still alive after them.
   */
  async collected(options) {
    validateObject(options, 'options', { optional: true })
    const attempts = options && options.attempts !== undefined ? options.attempts : 5
    validateNumber(attempts, 'options.attempts', { min: 1, max: 100, integer: true })
    for (let i = 0; i < attempts && !this.finalized; i++) {
      gc()
      await afterFinalizers()
    }
    return this.finalized
  }
}

/** Returns a probe that tells, asynchronously, whether `obj` was collected. */
function probe(obj) {
  validateTarget(obj)
  return new CollectionProbe(obj)
}

module.exports = { CollectionProbe, probe }
