'use strict'
// A bounded load generator: `concurrency` keep-alive request loops against
// 127.0.0.1:<port><path> for `durationMs`, then it exits by itself.
//   node load.js <port> <concurrency> <durationMs> [path]
const http = require('node:http')

const [port, concurrency, durationMs, urlPath = '/'] = process.argv.slice(2)
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) })
const deadline = Date.now() + Number(durationMs)
let done = 0

function loop() {
  if (Date.now() >= deadline) return
  // A path other than '/' ending in '/' gets a random number: /products/ -> /products/1234.
  const target = urlPath.length > 1 && urlPath.endsWith('/') ? `${urlPath}${Math.floor(Math.random() * 5000)}` : urlPath
  const req = http.get({ host: '127.0.0.1', port: Number(port), path: target, agent }, (res) => {
    res.resume()
    res.on('end', () => {
      done++
      loop()
    })
  })
  req.on('error', () => setTimeout(loop, 50))
}

for (let i = 0; i < Number(concurrency); i++) loop()
setTimeout(() => {
  agent.destroy()
  process.stdout.write(`${JSON.stringify({ requests: done })}\n`)
  process.exit(0)
}, Number(durationMs) + 100)
