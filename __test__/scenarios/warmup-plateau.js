'use strict'
// Control: fills a lookup table for 3 s (1 MB/s), then only reads it.
const table = []
module.exports = {
  expect: null,
  run() {
    const started = Date.now()
    let sink = 0
    const timer = setInterval(() => {
      if (Date.now() - started < 3000) {
        table.push(Array.from({ length: 6000 }, (_, i) => i + 0.5))
      } else {
        sink += table[sink % table.length].length
        const garbage = Array.from({ length: 2000 }, (_, i) => ({ i }))
        sink += garbage.length
      }
    }, 50)
    return () => clearInterval(timer) + sink
  },
}
