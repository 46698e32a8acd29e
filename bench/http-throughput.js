'use strict'
// Throughput of an express service under a bounded local load (keep-alive,
// 16 requests in flight) with no guard, with a guard on defaults (allocation
// sampling on suspicion), with sampling forced on (`allocationSites:
// 'always'`), with `allocationSites: false`, and with everything on (JSON
// logs, alert limits, snapshots on alert, Prometheus and OpenTelemetry
// collectors scraped every 5 s).
//
// One server process runs every variant in turn (it starts and stops the
// guard when told over IPC) under a load that never pauses: throughput
// differs by ±3 % between server processes alone (JIT decisions), which
// hides a 1-2 % cost when each variant gets processes of its own. Each
// variant runs SETTLE_MS before it is counted: past the guard's warm-up
// (4 s) and its anchor GC pair, after which a service runs ~5 % slower for
// a few seconds while V8 warms its code up again, and past the full GC that
// stopping the previous variant's sampler costs. That steady state is what
// a service under sustained load lives in; forced pairs come again only
// with a suspicion (`stats().forcedGcs`). Rounds rotate the order; the ratio
// quoted is the median of per-round ratios to no guard. Where `taskset`
// exists the server runs on one core and the load generator on the other.

const { spawn, spawnSync } = require('node:child_process')
const http = require('node:http')
const os = require('node:os')
const { performance } = require('node:perf_hooks')
const path = require('node:path')
const { median, row } = require('./harness')

const VARIANTS = ['none', 'guard', 'guard-always', 'guard-no-sites', 'guard-everything']
const ROUNDS = 7
const ROUND_MS = 4000
const SETTLE_MS = 14_000
const CONCURRENCY = 16

/** Whether processes can be pinned to cores (Linux, two cores or more). */
const PIN = process.platform === 'linux' && os.cpus().length >= 2 && spawnSync('taskset', ['-p', String(process.pid)]).status === 0

/** Starts the server (on the last core when pinning); resolves `{ port, use(variant), ownMs(), stop }`. */
function startServer() {
  const argv = [process.execPath, path.join(__dirname, 'throughput-server.js')]
  const [command, ...args] = PIN ? ['taskset', '-c', String(os.cpus().length - 1), ...argv] : argv
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const ask = (message) =>
    new Promise((resolve) => {
      child.once('message', resolve)
      child.send(message)
    })
  const use = (variant) => ask(variant)
  /** The running guard's own main-thread time so far (ms; null without a guard). */
  const ownMs = async () => (await ask('overhead')).overheadMs
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.stdout.once('data', (d) => resolve({ port: Number(String(d).trim()), use, ownMs, stop: () => child.kill() }))
  })
}

/** A load that never pauses: 16 requests in flight. `count()` reads the responses so far; `stop()` ends it. */
function startLoad(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  let done = 0
  let running = true
  let n = 0
  const one = () => {
    if (!running) return
    http
      .get({ host: '127.0.0.1', port, path: `/products/${n++}`, agent }, (res) => {
        res.resume()
        res.on('end', () => {
          done++
          one()
        })
      })
      .on('error', () => setTimeout(one, 10))
  }
  for (let i = 0; i < CONCURRENCY; i++) one()
  return {
    count: () => done,
    stop: () => {
      running = false
      agent.destroy()
    },
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Requests/s of each variant (see throughput-server.js), `rounds` rotating
 * rounds in one server process: `{ variant: [rate per round] }`.
 */
async function measureVariants(variants, rounds = ROUNDS) {
  // The load generator (this process) keeps to the other cores.
  if (PIN) spawnSync('taskset', ['-p', '-c', `0-${os.cpus().length - 2}`, String(process.pid)])
  const rates = Object.fromEntries(variants.map((v) => [v, []]))
  /** The guard's own share of the server's main thread in each counted round (stats().overhead). */
  const shares = Object.fromEntries(variants.map((v) => [v, []]))
  const server = await startServer()
  const load = startLoad(server.port)
  try {
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round: no variant always follows the same one.
      for (let k = 0; k < variants.length; k++) {
        const variant = variants[(round + k) % variants.length]
        await server.use(variant)
        await sleep(SETTLE_MS)
        const before = load.count()
        const ownBefore = await server.ownMs()
        const started = performance.now()
        await sleep(ROUND_MS)
        const elapsed = performance.now() - started
        rates[variant].push(((load.count() - before) * 1000) / elapsed)
        const ownAfter = await server.ownMs()
        if (ownBefore !== null) shares[variant].push((ownAfter - ownBefore) / elapsed)
      }
    }
  } finally {
    load.stop()
    server.stop()
  }
  return { rates, shares }
}

/** "median per-round ratio 0.993; rounds: ..." for `variant` against 'none'. */
function pairedNote(rates, variant) {
  const ratio = median(rates[variant].map((r, i) => r / rates.none[i]))
  return `median per-round ratio ${ratio.toFixed(3)}; rounds: ${rates[variant].map((r) => Math.round(r)).join(', ')}`
}

async function httpThroughput() {
  const { rates, shares } = await measureVariants(VARIANTS)
  const none = median(rates.none)
  const shown = (v) => rates[v].map((r) => Math.round(r)).join(', ')
  const paired = (v) => pairedNote(rates, v)
  return [
    row('requests/s, guard on defaults (sites on suspicion)', median(rates.guard), 'req/s', 'no guard', none, `${paired('guard')}; no guard: ${shown('none')}`),
    row("requests/s, guard, allocationSites: 'always'", median(rates['guard-always']), 'req/s', 'no guard', none, paired('guard-always')),
    row('requests/s, guard, allocationSites: false', median(rates['guard-no-sites']), 'req/s', 'no guard', none, paired('guard-no-sites')),
    row('requests/s, everything on (logs, alerts, snapshots, Prometheus, OTel)', median(rates['guard-everything']), 'req/s', 'no guard', none, paired('guard-everything')),
    ...VARIANTS.filter((v) => v !== 'none').map((v) =>
      row(`the guard's own main-thread time, ${v} (stats().overhead)`, 100 * median(shares[v]), '%', 'goal', v === 'guard-always' ? 2 : 0.5, `rounds: ${shares[v].map((x) => (100 * x).toFixed(2)).join(', ')} %`),
    ),
  ]
}

module.exports = httpThroughput
module.exports.measureVariants = measureVariants
module.exports.pairedNote = pairedNote
