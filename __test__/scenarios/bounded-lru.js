'use strict'
// Control: an LRU cache capped at 2,000 entries under constant inserts.
const MAX = 2000
const lru = new Map()
let id = 0
module.exports = {
  expect: null,
  run() {
    const timer = setInterval(() => {
      for (let i = 0; i < 20; i++) {
        id++
        lru.set(id, { id, payload: Array.from({ length: 100 }, (_, k) => k + id) })
        if (lru.size > MAX) lru.delete(lru.keys().next().value)
      }
    }, 20)
    return () => clearInterval(timer)
  },
}
