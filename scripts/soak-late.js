'use strict'
// npm run soak:late: a leak that starts late in a long run. The realistic
// express service of `npm run soak` under steady local load for 30 minutes,
// with a 20 KB/s heap leak that starts at minute 10:
//   - nothing is reported before it starts;
//   - it is reported as a heap leak within 2 minutes of starting, and never
//     as another kind;
//   - the process's native memory (leakguard's own and Node's) stays flat
//     over the run: within 1 MiB between the end of minute 2 and the end.
// Prints one line and exits non-zero when the run misses a mark.
// `--minutes N --leak-after M` shortens it (for a quick look).

const path = require('node:path')
const { runNode } = require('./spawn')

const args = process.argv.slice(2)
const arg = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback)
const minutes = arg('--minutes', 30)
const leakAfterMs = arg('--leak-after', 10) * 60_000
const LEAK_BYTES_PER_S = 20_000
const REPORTED_WITHIN_MS = 2 * 60_000
const NATIVE_DRIFT_MAX = 1024 * 1024

async function main() {
  const service = path.join(__dirname, 'soak-service.js')
  const options = { minutes, keepBytes: 0, leakBytesPerS: LEAK_BYTES_PER_S, leakAfterMs, concurrency: 4 }
  const { code, stdout, stderr } = await runNode([service, JSON.stringify(options)], { timeoutMs: minutes * 60_000 + 120_000 })
  if (code !== 0) throw new Error(`the service exited ${code}\n${stderr}`)
  const result = JSON.parse(stdout.trim().split('\n').pop())
  const early = result.reports.filter((r) => r.afterMs < leakAfterMs)
  const first = result.reports.find((r) => r.afterMs >= leakAfterMs)
  // From the end of minute 2 on; a run too short for two readings has no drift to judge.
  const native = result.nativeByMinute.slice(1)
  const judged = native.length >= 2
  const drift = judged ? Math.max(...native) - Math.min(...native) : 0
  const marks = [
    [early.length === 0, `reports before the leak started: ${early.map((r) => `'${r.kind}' at ${(r.afterMs / 1000).toFixed(1)} s`).join(', ') || 'none'}`],
    [first !== undefined && first.kind === 'heap' && first.afterMs - leakAfterMs <= REPORTED_WITHIN_MS, `first report after it started: ${first ? `'${first.kind}' ${((first.afterMs - leakAfterMs) / 1000).toFixed(1)} s in` : 'none'}`],
    [result.reports.every((r) => r.kind === 'heap'), `kinds reported: ${[...new Set(result.reports.map((r) => r.kind))].join(', ') || 'none'}`],
    [drift <= NATIVE_DRIFT_MAX, judged ? `native memory from minute 2 to the end: ${(Math.min(...native) / 1048576).toFixed(2)}–${(Math.max(...native) / 1048576).toFixed(2)} MiB (drift ${(drift / 1024).toFixed(0)} KiB)` : 'native memory: the run is too short to judge its drift'],
  ]
  const ok = marks.every(([pass]) => pass)
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${minutes} min, a ${LEAK_BYTES_PER_S / 1000} KB/s heap leak from minute ${leakAfterMs / 60_000}: ${result.requests.toLocaleString('en')} requests (${Math.round(result.requests / result.seconds).toLocaleString('en')}/s); forced GC pairs ${result.forcedGcs}`)
  for (const [pass, text] of marks) console.log(`  ${pass ? 'ok  ' : 'FAIL'} ${text}`)
  if (!ok) process.exitCode = 1
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
