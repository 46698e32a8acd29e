'use strict'
// An idle process sampled every 5 ms, with a guard (`guard`) or with a bare
// 5-ms timer (`bare`): prints the main thread's CPU time per tick over
// SECONDS, after a second of warm-up. Run by bench/sample-cost.js.

const INTERVAL_MS = 5
const SECONDS = 6

const mode = process.argv[2]
let guard = null
let ticks = 0
if (mode === 'guard') guard = require('..').start({ intervalMs: INTERVAL_MS })
else if (mode === 'bare') setInterval(() => ticks++, INTERVAL_MS)
else throw new Error(`unknown mode '${mode}'`)

const count = () => (guard ? guard.stats().samples : ticks)

setTimeout(() => {
  const cpu = process.cpuUsage()
  const from = count()
  setTimeout(() => {
    const used = process.cpuUsage(cpu)
    const samples = count() - from
    console.log(JSON.stringify({ usPerTick: (used.user + used.system) / samples, samples }))
    process.exit(0)
  }, SECONDS * 1000)
}, 1000)
