'use strict'
// A global array that only grows: ~400 KB/s of retained objects.
const leaked = []
module.exports = {
  expect: 'heap',
  run() {
    const timer = setInterval(() => {
      leaked.push(Array.from({ length: 2500 }, (_, i) => i + 0.5))
    }, 50)
    return () => clearInterval(timer)
  },
}
