'use strict'
// One soak run (see soak.js): a realistic express service (routing, JSON in
// and out, a bounded LRU of rendered pages, per-request garbage) watched by a
// guard with default options, under a bounded load generator on 127.0.0.1.
//   node soak-service.js '{"minutes":10,"keepBytes":0,"leakBytesPerS":5000,"concurrency":4}'
// `leakAfterMs` starts the injected leak that late. Prints a JSON summary on
// its last line, with the process's native memory (malloc'd beyond V8's
// heap and Buffers: leakguard's own and Node's) at the end of each minute.

const { spawn } = require('node:child_process')
const http = require('node:http')
const path = require('node:path')
const express = require('express')
const leakguard = require('..')

const options = JSON.parse(process.argv[2])
const started = Date.now()
const reports = []
const guard = leakguard.start({
  onLeak: (report) => reports.push({ kind: report.kind, afterMs: Date.now() - started, message: report.message }),
})

const app = express()
app.use(express.json())
const pages = new Map()
const PAGES_MAX = 500
const kept = []
let visits = 0

function render(id) {
  const items = Array.from({ length: 40 }, (_, i) => ({ id: `${id}-${i}`, title: `Item ${i} of ${id}`, price: (i * 3.7) % 100 }))
  return JSON.stringify({ id, items, total: items.reduce((sum, item) => sum + item.price, 0) })
}

app.get('/products/:id', (req, res) => {
  visits++
  const id = Number(req.params.id) % 2000
  let page = pages.get(id)
  if (page === undefined) {
    page = render(id)
    pages.set(id, page)
    if (pages.size > PAGES_MAX) pages.delete(pages.keys().next().value)
  }
  if (options.keepBytes > 0) kept.push(Array.from({ length: Math.round(options.keepBytes / 8) }, (_, i) => i + visits))
  const body = JSON.parse(page)
  body.visit = visits
  res.json(body)
})

// The injected slow leak: `leakBytesPerS` kept in a module-level list, from `leakAfterMs` on.
let leakTimer = null
const startLeak = () => {
  leakTimer = setInterval(() => kept.push(Array.from({ length: Math.round(options.leakBytesPerS / 10 / 8) }, (_, i) => i + 0.5)), 100)
}
const leakStart = options.leakBytesPerS ? setTimeout(startLeak, options.leakAfterMs || 0) : null
/** The native level the guard judged at the end of each minute (bytes). */
const nativeByMinute = []
const recordNative = () => {
  const native = guard.stats().memory.find((m) => m.kind === 'native')
  if (native && Number.isFinite(native.baseline)) nativeByMinute.push(Math.round(native.baseline))
}
const minuteTimer = setInterval(recordNative, 60_000)

const server = http.createServer(app)
let leakingUntilEnd = null
const heapStart = process.memoryUsage().heapUsed
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address()
  const ms = options.minutes * 60_000
  const load = spawn(process.execPath, [path.join(__dirname, '..', 'workloads', 'scenarios', 'load.js'), String(port), String(options.concurrency), String(ms), '/products/'], { stdio: ['ignore', 'pipe', 'inherit'] })
  // The load generator asks for random product pages.
  let out = ''
  load.stdout.on('data', (d) => (out += d))
  const watch = setInterval(() => {
    const heap = guard.stats().memory.find((m) => m.kind === 'heap')
    if (reports.some((r) => r.kind === 'heap')) leakingUntilEnd = (leakingUntilEnd ?? true) && heap.state === 'leaking'
  }, 1000)
  load.on('close', () => {
    clearInterval(watch)
    clearInterval(minuteTimer)
    recordNative()
    clearTimeout(leakStart)
    if (leakTimer) clearInterval(leakTimer)
    const stats = guard.stats()
    guard.stop()
    server.close()
    server.closeAllConnections()
    const { requests } = JSON.parse(out.trim() || '{"requests":0}')
    const mb = (n) => `${(n / 1048576).toFixed(1)} MB`
    process.stdout.write(`${JSON.stringify({ ...options, requests, seconds: (Date.now() - started) / 1000, reports, leakingUntilEnd: Boolean(leakingUntilEnd), forcedGcs: stats.forcedGcs, heapStart: mb(heapStart), heapEnd: mb(process.memoryUsage().heapUsed), nativeByMinute })}\n`)
  })
})
