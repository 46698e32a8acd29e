'use strict'
// What one memory sample costs the main thread: in a tight loop, against the
// one read any sampler must make (process.memoryUsage()); and in an idle
// process sampled every 5 ms, as CPU time per tick against a bare 5-ms timer
// (where caches are cold at each tick, and a read costs several times what
// it costs in a loop).

const { GcBudget } = require('../lib/gc')
const { MemoryWatch } = require('../lib/guard/memory-watch')
const { monitorOptions, normalizeStartOptions } = require('../lib/guard/options')
const path = require('node:path')
const { runNode } = require('../scripts/spawn')
const { compare, median, row } = require('./harness')

/** Pairs of idle processes (bare, guard), run one after the other. */
const PAIRS = 3

async function idleTick(mode) {
  const { stdout, code, stderr } = await runNode([path.join(__dirname, 'idle-subject.js'), mode])
  if (code !== 0) throw new Error(`idle-subject ${mode} exited ${code}: ${stderr}`)
  return JSON.parse(stdout).usPerTick
}

module.exports = async function sampleCost() {
  const options = normalizeStartOptions({})
  const gcBudget = new GcBudget({ allowForced: false, minGapMs: Infinity })
  const watch = new MemoryWatch({ gcBudget, monitor: monitorOptions(options), deliver() {} })
  // Fill the window (240 points) so the trend tests run at full size.
  for (let i = 0; i < 300; i++) watch.sample()
  const medians = compare(
    {
      'process.memoryUsage()': () => process.memoryUsage(),
      'one leakguard sample': () => watch.sample(),
    },
    { iterations: 200, rounds: 21 },
  )
  watch.monitor.close()
  const idle = { bare: [], guard: [] }
  for (let i = 0; i < PAIRS; i++) {
    for (const mode of ['bare', 'guard']) idle[mode].push(await idleTick(mode))
  }
  const bare = median(idle.bare)
  const guarded = median(idle.guard)
  return [
    row('one sample (full 240-point window)', medians['one leakguard sample'] / 1000, 'µs', 'process.memoryUsage()', medians['process.memoryUsage()'] / 1000),
    row('idle process, CPU a 5-ms tick, with a guard', guarded, 'µs', 'a bare timer', bare, `the guard's own: ${(guarded - bare).toFixed(0)} µs a sample; medians of ${PAIRS} processes each`),
  ]
}
