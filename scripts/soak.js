'use strict'
// npm run soak: leakguard on real HTTP services under steady local load, with
// default options, for as long as production would give it.
//   1. heavy load: an express service at thousands of requests/s keeping
//      ~250 B per request: reported within ~40 s, reported as long as it
//      goes on (2 minutes), and never as native memory;
//   2. a realistic express service for 10 minutes: no report at all;
//   3. the same service with a 5 KB/s leak injected: reported before the
//      10 minutes end.
// 2 and 3 run side by side; each service gets its own bounded load
// generator on 127.0.0.1. Prints one line per run and exits non-zero when a
// run misses its mark. `--minutes N` shortens 2 and 3 (for a quick look).

const path = require('node:path')
const { runNode } = require('./spawn')

const args = process.argv.slice(2)
const minutesAt = args.indexOf('--minutes')
const soakMinutes = minutesAt >= 0 ? Number(args[minutesAt + 1]) : 10
const service = path.join(__dirname, 'soak-service.js')

async function run(name, options) {
  const ms = options.minutes * 60_000
  const { code, stdout, stderr } = await runNode([service, JSON.stringify(options)], { timeoutMs: ms + 120_000 })
  if (code !== 0) throw new Error(`${name}: exited ${code}\n${stderr}`)
  return JSON.parse(stdout.trim().split('\n').pop())
}

function line(name, result, verdict) {
  const first = result.reports[0]
  const reported = first ? `first report '${first.kind}' at ${(first.afterMs / 1000).toFixed(1)} s` : 'no report'
  console.log(`${verdict ? 'ok  ' : 'FAIL'} ${name}: ${result.requests.toLocaleString('en')} requests (${Math.round(result.requests / result.seconds).toLocaleString('en')}/s), ${reported}; reports: ${result.reports.map((r) => r.kind).join(', ') || 'none'}; heap ${result.heapStart} -> ${result.heapEnd}; forced GC pairs ${result.forcedGcs}`)
  return verdict
}

async function main() {
  const results = []
  const heavy = await run('heavy load', { minutes: 2, keepBytes: 250, concurrency: 16 })
  const heapReports = heavy.reports.filter((r) => r.kind === 'heap')
  results.push(
    line(
      'heavy load, 250 B kept per request, 2 min',
      heavy,
      heapReports.length > 0 && heapReports[0].afterMs <= 40_000 && heavy.leakingUntilEnd && !heavy.reports.some((r) => r.kind === 'native'),
    ),
  )
  const [clean, leaky] = await Promise.all([
    run('clean soak', { minutes: soakMinutes, keepBytes: 0, concurrency: 4 }),
    run('leaky soak', { minutes: soakMinutes, keepBytes: 0, leakBytesPerS: 5000, concurrency: 4 }),
  ])
  results.push(line(`clean service, ${soakMinutes} min`, clean, clean.reports.length === 0))
  results.push(line(`same service with a 5 KB/s leak, ${soakMinutes} min`, leaky, leaky.reports.some((r) => r.kind === 'heap') && leaky.reports.every((r) => r.kind === 'heap')))
  if (results.includes(false)) process.exitCode = 1
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
