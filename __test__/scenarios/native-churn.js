'use strict'
// Control: a native addon that mallocs ~3 MB/s and frees each block at once.
const { churnNative } = require('../fixtures/native-alloc')
module.exports = {
  expect: null,
  run() {
    let sink = 0
    const timer = setInterval(() => {
      sink += churnNative(300 * 1024)
    }, 100)
    return () => clearInterval(timer) + sink
  },
}
