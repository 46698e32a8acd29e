'use strict'
// A Map cache keyed by request id that nothing ever evicts.
const cache = new Map()
let id = 0
module.exports = {
  expect: 'heap',
  run() {
    const timer = setInterval(() => {
      for (let i = 0; i < 20; i++) {
        id++
        cache.set(`request:${id}`, { id, at: Date.now(), tags: [id % 7, id % 11, id % 13], body: { user: id % 1000, items: Array.from({ length: 30 }, (_, k) => k * id) } })
      }
    }, 50)
    return () => clearInterval(timer)
  },
}
