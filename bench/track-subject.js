'use strict'
// One subject of the track benchmark, alone in its process (so that one
// FinalizationRegistry's cleanup work never lands in another's timing):
//   node bench/track-subject.js register|track   -> prints ns per call
// The event loop turns between rounds, as in an application, so finalizers
// run; a loop that never yields piles dead registry cells up for every GC.

const leakguard = require('..')
const { median } = require('./harness')

const ITERATIONS = 20_000
const ROUNDS = 25
const WARMUP = 5

async function main() {
  const subject = process.argv[2]
  let fn
  let guard = null
  if (subject === 'register') {
    const registry = new FinalizationRegistry(() => {})
    fn = (i) => registry.register({ i }, 1)
  } else if (subject === 'track') {
    guard = leakguard.start({ intervalMs: 60_000 })
    fn = (i) => guard.track({ i }, 'request')
  } else {
    throw new Error(`unknown subject '${subject}'`)
  }
  const times = []
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < ITERATIONS; i++) fn(i)
    const ns = Number(process.hrtime.bigint() - start) / ITERATIONS
    if (r >= WARMUP) times.push(ns)
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
  }
  if (guard) guard.stop()
  process.stdout.write(`${median(times)}\n`)
}

main()
