'use strict'
// Control: a cache that grows ~300 KB/s and is cleared every 3 s.
const cache = new Map()
let id = 0
module.exports = {
  expect: null,
  run() {
    const fill = setInterval(() => {
      for (let i = 0; i < 10; i++) cache.set(++id, Array.from({ length: 400 }, (_, k) => k + 0.5))
    }, 100)
    const clear = setInterval(() => cache.clear(), 3000)
    return () => {
      clearInterval(fill)
      clearInterval(clear)
    }
  },
}
