'use strict'
// Buffers kept in a long-lived list: ~3 MB/s of external memory.
const kept = []
module.exports = {
  expect: 'external',
  run() {
    const timer = setInterval(() => kept.push(Buffer.alloc(300 * 1024, 1)), 100)
    return () => clearInterval(timer)
  },
}
