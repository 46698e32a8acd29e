'use strict'
// A slow leak: ~20 KB/s of retained objects, under steady garbage churn.
const leaked = []
module.exports = {
  expect: 'heap',
  maxMs: 45_000,
  run() {
    let sink = 0
    const timer = setInterval(() => {
      leaked.push(Array.from({ length: 250 }, (_, i) => i + 0.5))
      const garbage = Array.from({ length: 2000 }, (_, i) => ({ i }))
      sink += garbage.length
    }, 100)
    return () => clearInterval(timer) + sink
  },
}
