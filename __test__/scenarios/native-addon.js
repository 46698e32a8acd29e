'use strict'
// A native addon that mallocs ~3 MB/s and never frees it, invisible to V8.
const { leakNative } = require('../fixtures/native-alloc')
module.exports = {
  expect: 'native',
  run() {
    const timer = setInterval(() => leakNative(300 * 1024), 100)
    return () => clearInterval(timer)
  },
}
