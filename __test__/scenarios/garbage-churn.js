'use strict'
// Control: lots of short-lived garbage, nothing retained.
module.exports = {
  expect: null,
  run() {
    let sink = 0
    const timer = setInterval(() => {
      const batch = Array.from({ length: 20_000 }, (_, i) => ({ i, s: `item-${i}` }))
      sink += batch.length
    }, 20)
    return () => clearInterval(timer) + sink
  },
}
