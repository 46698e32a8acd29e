'use strict'
// Throughput of an express service under a bounded local load (keep-alive,
// 16 requests in flight) with no guard, with a guard on defaults (allocation
// sampling on) and with `allocationSites: false`, in alternating rounds of
// the same run; the server runs in its own process, the load generator here.

const { spawn } = require('node:child_process')
const http = require('node:http')
const path = require('node:path')
const { median, row } = require('./harness')

const VARIANTS = ['none', 'guard', 'guard-no-sites']
const ROUNDS = 5
const ROUND_MS = 6000
const WARMUP_MS = 2000
const CONCURRENCY = 16

/** Starts the server; resolves `{ port, stop }`. */
function startServer(variant) {
  const child = spawn(process.execPath, [path.join(__dirname, 'throughput-server.js'), variant], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.stdout.once('data', (d) => resolve({ port: Number(String(d).trim()), stop: () => child.kill() }))
  })
}

/** Requests per second over `ms`, after `warmupMs` of the same load. */
function measure(port, ms, warmupMs) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  let done = 0
  let counting = false
  let running = true
  let n = 0
  const one = () => {
    if (!running) return
    http
      .get({ host: '127.0.0.1', port, path: `/products/${n++}`, agent }, (res) => {
        res.resume()
        res.on('end', () => {
          if (counting) done++
          one()
        })
      })
      .on('error', () => setTimeout(one, 10))
  }
  for (let i = 0; i < CONCURRENCY; i++) one()
  return new Promise((resolve) => {
    setTimeout(() => {
      counting = true
      const started = Date.now()
      setTimeout(() => {
        running = false
        counting = false
        agent.destroy()
        resolve((done * 1000) / (Date.now() - started))
      }, ms)
    }, warmupMs)
  })
}

module.exports = async function httpThroughput() {
  const rates = Object.fromEntries(VARIANTS.map((v) => [v, []]))
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round: no variant always runs first.
    for (let k = 0; k < VARIANTS.length; k++) {
      const variant = VARIANTS[(round + k) % VARIANTS.length]
      const server = await startServer(variant)
      try {
        rates[variant].push(await measure(server.port, ROUND_MS, WARMUP_MS))
      } finally {
        server.stop()
      }
    }
  }
  const none = median(rates.none)
  const shown = (v) => rates[v].map((r) => Math.round(r)).join(', ')
  return [
    row('requests/s, guard on defaults (allocation sampling on)', median(rates.guard), 'req/s', 'no guard', none, `rounds: ${shown('guard')} vs ${shown('none')}`),
    row('requests/s, guard with allocationSites: false', median(rates['guard-no-sites']), 'req/s', 'no guard', none, `rounds: ${shown('guard-no-sites')}`),
  ]
}
