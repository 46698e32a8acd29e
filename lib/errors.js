'use strict'
// Argument checks at the API boundary, with Node-style error codes
// (the same shapes as Node's own `ERR_INVALID_ARG_TYPE` and `ERR_OUT_OF_RANGE`).

const { inspect } = require('node:util')

/** Describes a received value the way Node's own argument errors do. */
function describeReceived(value) {
  if (value == null) return ` Received ${value}`
  if (typeof value === 'function') return ` Received function ${value.name || '<anonymous>'}`
  if (typeof value === 'object') {
    if (value.constructor && value.constructor.name) {
      return ` Received an instance of ${value.constructor.name}`
    }
    return ` Received ${inspect(value, { depth: -1 })}`
  }
  let shown = inspect(value, { colors: false })
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`
  return ` Received type ${typeof value} (${shown})`
}

function withCode(error, code) {
  error.code = code
  // Node prints its own coded errors as `TypeError [CODE]: message`.
  Object.defineProperty(error, 'name', { value: error.name, enumerable: false, configurable: true })
  error.stack = error.stack.replace(/^(\w+)/, `$1 [${code}]`)
  return error
}

/**
 * `error` with the argument or option path it is about (`'options.snapshot.dir'`)
 * as a non-enumerable `option`: the preload names the variable behind it from that.
 */
function aboutOption(error, name) {
  Object.defineProperty(error, 'option', { value: name, enumerable: false, configurable: true })
  return error
}

/** `TypeError` with code `ERR_INVALID_ARG_TYPE`. */
function invalidArgType(name, expected, value) {
  const what = name.includes('.') ? 'property' : 'argument'
  return aboutOption(withCode(new TypeError(`The "${name}" ${what} must be ${expected}.${describeReceived(value)}`), 'ERR_INVALID_ARG_TYPE'), name)
}

/** `TypeError` with code `ERR_INVALID_ARG_VALUE`: the right type, not an accepted value. */
function invalidArgValue(name, accepted, value) {
  const what = name.includes('.') ? 'property' : 'argument'
  return aboutOption(withCode(new TypeError(`The ${what} '${name}' must be ${accepted}. Received ${inspect(value)}`), 'ERR_INVALID_ARG_VALUE'), name)
}

/** `RangeError` with code `ERR_OUT_OF_RANGE`. */
function outOfRange(name, range, value) {
  return aboutOption(withCode(new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${inspect(value)}`), 'ERR_OUT_OF_RANGE'), name)
}

/** `error` again (same class and code), its message prefixed with `prefix`. */
function prefixed(error, prefix) {
  const Class = error instanceof RangeError ? RangeError : error instanceof TypeError ? TypeError : Error
  return withCode(new Class(`${prefix}${error.message}`), error.code)
}

/** `Error` with any leakguard code. */
function codedError(code, message, options) {
  return withCode(new Error(message, options), code)
}

function validateObject(value, name, { optional = false } = {}) {
  if (optional && value === undefined) return
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArgType(name, 'of type object', value)
  }
}

function validateFunction(value, name, { optional = false } = {}) {
  if (optional && value === undefined) return
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value)
}

function validateBoolean(value, name, { optional = false } = {}) {
  if (optional && value === undefined) return
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value)
}

function validateString(value, name) {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value)
}

/**
 * A finite number within [min, max]; `integer` demands a whole number.
 * `exclusiveMin` makes `min` itself out of range.
 */
function validateNumber(value, name, { optional = false, min = -Infinity, max = Infinity, exclusiveMin = false, integer = false } = {}) {
  if (optional && value === undefined) return
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  const low = exclusiveMin ? value <= min : value < min
  if (Number.isNaN(value) || low || value > max || (integer && !Number.isInteger(value))) {
    const lowText = exclusiveMin ? `> ${min}` : `>= ${min}`
    const range = max === Infinity ? `${integer ? 'an integer ' : ''}${lowText}` : `${integer ? 'an integer ' : ''}${lowText} && <= ${max}`
    throw outOfRange(name, range, value)
  }
}

module.exports = {
  aboutOption,
  codedError,
  invalidArgType,
  invalidArgValue,
  outOfRange,
  prefixed,
  validateBoolean,
  validateFunction,
  validateNumber,
  validateObject,
  validateString,
}
