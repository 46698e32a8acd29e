'use strict'
// Handlers registered per "request" whose closures hold the request's data.
const handlers = []
module.exports = {
  expect: 'heap',
  run() {
    const timer = setInterval(() => {
      const rows = Array.from({ length: 400 }, (_, i) => ({ id: i, name: `row-${i}` }))
      handlers.push(() => rows.length)
    }, 50)
    return () => clearInterval(timer)
  },
}
