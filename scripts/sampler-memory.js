'use strict'
// leakguard's own memory with allocation sampling on: the same express
// service (bench/throughput-server.js) under the same bounded load (500
// requests/s), with a guard sampling all the time (`allocationSites:
// 'always'`) and with `allocationSites: false`, side by side for `--minutes
// N` (default 10). Prints each one's RSS (from /proc) every minute.
//   node scripts/sampler-memory.js [--minutes N]

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')

const args = process.argv.slice(2)
const at = args.indexOf('--minutes')
const minutes = at >= 0 ? Number(args[at + 1]) : 10
const server = path.join(__dirname, '..', 'bench', 'throughput-server.js')

function rssOf(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) * 1024
}

function startLoad(port, perS) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
  let n = 0
  const timer = setInterval(() => {
    for (let i = 0; i < perS / 20; i++) http.get({ host: '127.0.0.1', port, path: `/products/${n++}`, agent }, (res) => res.resume()).on('error', () => {})
  }, 50)
  return () => {
    clearInterval(timer)
    agent.destroy()
  }
}

async function run(variant) {
  const child = spawn(process.execPath, [server, variant], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(Number(String(d).trim()))))
  const stopLoad = startLoad(port, 500)
  const points = []
  const sample = () => points.push({ atMin: points.length, rss: rssOf(child.pid) })
  sample()
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      sample()
      if (points.length > minutes) {
        clearInterval(timer)
        resolve()
      }
    }, 60_000)
  })
  stopLoad()
  child.kill()
  return points
}

async function main() {
  const [on, off] = await Promise.all([run('guard-always'), run('guard-no-sites')])
  const mb = (b) => `${(b / 1048576).toFixed(1)} MB`
  for (const [name, points] of [["sampling on (allocationSites: 'always')", on], ['allocationSites: false', off]]) {
    const first = points[1] || points[0]
    const last = points[points.length - 1]
    console.log(`${name}: RSS after 1 min ${mb(first.rss)}, after ${points.length - 1} min ${mb(last.rss)} (${last.rss >= first.rss ? '+' : ''}${mb(last.rss - first.rss)}); per minute: ${points.map((p) => mb(p.rss)).join(', ')}`)
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
