'use strict'
// A small service with three classic leaks, watched by leakguard.
//   npm run demo
// Every simulated request caches its session in a Map nobody evicts (a heap
// leak), keeps its upload Buffer in a list (an external-memory leak), and
// subscribes to config changes without ever unsubscribing (a listener leak).

const EventEmitter = require('node:events')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const leakguard = require('..')

const config = new EventEmitter()
config.setMaxListeners(0) // as many libraries do, which silences Node's own warning

const sessions = new Map()
const uploads = []
let requestId = 0

function handleRequest() {
  requestId++
  sessions.set(`session-${requestId}`, { id: requestId, user: `user-${requestId % 500}`, history: Array.from({ length: 400 }, (_, i) => i * requestId) })
  uploads.push(Buffer.alloc(64 * 1024, requestId & 0xff))
  if (requestId % 3 === 0) config.on('change', () => requestId) // never removed
  return Array.from({ length: 200 }, (_, i) => ({ row: i })).length // garbage, freed at once
}

const started = Date.now()
const seen = new Set()
const WANTED = ['heap', 'external', 'listeners']

const guard = leakguard.start({
  intervalMs: 250,
  onLeak(report) {
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    console.log(`\n[${seconds} s] ${report.severity.toUpperCase()} ${report.kind} leak`)
    console.log(`  ${report.message}`)
    if (report.kind === 'listeners') {
      for (const site of report.addSites) console.log(`  added at ${site.site} (${site.count} sampled adds)`)
    } else {
      console.log(`  growth ${(report.growthPerMinute / 1048576).toFixed(1)} MiB/min, now ${(report.current / 1048576).toFixed(1)} MiB, judged on ${report.samples.length} samples (p = ${report.pValue.toExponential(1)})`)
    }
    seen.add(report.kind)
    if (WANTED.every((k) => seen.has(k))) finish(0)
  },
})

const traffic = setInterval(() => {
  for (let i = 0; i < 5; i++) handleRequest()
}, 100)

function finish(code) {
  clearInterval(traffic)
  const stats = guard.stats()
  guard.stop()
  console.log(`\n${stats.samples} samples, ${stats.forcedGcs} confirming full GC(s), ${stats.reports} report(s) in ${((Date.now() - started) / 1000).toFixed(1)} s.`)
  if (code !== 0) console.log(`Missing reports: ${WANTED.filter((k) => !seen.has(k)).join(', ')}`)
  // The whole run as a page: the timeline, a card per leak, where it is allocated.
  const page = path.join(os.tmpdir(), 'leakguard-demo-report.html')
  fs.writeFileSync(page, guard.report({ format: 'html' }))
  console.log(`The report, as a page to open in a browser: ${page}`)
  process.exitCode = code
}

console.log('leakguard demo: a service leaking sessions (heap), uploads (Buffers) and config listeners; watching every 250 ms...')
setTimeout(() => finish(1), 40_000).unref()
