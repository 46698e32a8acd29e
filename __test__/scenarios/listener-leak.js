'use strict'
// A listener added per "request" to a long-lived emitter: 20 a second.
const EventEmitter = require('node:events')
const config = new EventEmitter()
config.setMaxListeners(0)
module.exports = {
  expect: 'listeners',
  run() {
    const timer = setInterval(() => {
      config.on('change', () => {}) // per request, never removed
    }, 50)
    return () => clearInterval(timer)
  },
}
