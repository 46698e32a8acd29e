'use strict'
// Control: every 2 s, 8 MB held for half a second, then released.
let held = null
module.exports = {
  expect: null,
  run() {
    const timer = setInterval(() => {
      held = Array.from({ length: 100 }, () => Array.from({ length: 10_000 }, (_, i) => i + 0.5))
      setTimeout(() => {
        held = null
      }, 500)
    }, 2000)
    return () => clearInterval(timer) + (held ? 0 : 0)
  },
}
