'use strict'
// Control: ~3 MB/s of Buffers allocated, used once and dropped.
module.exports = {
  expect: null,
  run() {
    let sink = 0
    const timer = setInterval(() => {
      const buffer = Buffer.alloc(300 * 1024, 7)
      sink += buffer[100]
    }, 100)
    return () => clearInterval(timer) + sink
  },
}
