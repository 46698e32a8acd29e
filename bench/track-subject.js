'use strict'
// One subject of the track benchmark, alone in its process (so that one
// FinalizationRegistry's cleanup work never lands in another's timing):
//   node bench/track-subject.js register|track   -> prints ns per call
// As users call it: 1,000,000 objects made first and kept alive, then each
// tracked once through the public API (`guard.track(obj, label)`), in
// rounds of 20,000 with event-loop turns between them.

const leakguard = require('..')
const { median } = require('./harness')

const LIVE = 1_000_000
const ROUND = 20_000
const WARMUP_ROUNDS = 5

async function main() {
  const subject = process.argv[2]
  const objects = Array.from({ length: LIVE }, (_, i) => ({ i }))
  let fn
  let guard = null
  if (subject === 'register') {
    const registry = new FinalizationRegistry(() => {})
    fn = (obj) => registry.register(obj, 1)
  } else if (subject === 'track') {
    guard = leakguard.start({ intervalMs: 60_000 })
    fn = (obj) => guard.track(obj, 'request')
  } else {
    throw new Error(`unknown subject '${subject}'`)
  }
  const times = []
  for (let r = 0; r * ROUND < LIVE; r++) {
    const start = process.hrtime.bigint()
    for (let i = r * ROUND; i < (r + 1) * ROUND; i++) fn(objects[i])
    const ns = Number(process.hrtime.bigint() - start) / ROUND
    if (r >= WARMUP_ROUNDS) times.push(ns)
    await new Promise((resolve) => setImmediate(resolve))
  }
  if (guard) guard.stop()
  process.stdout.write(`${median(times)}\n`)
}

main()
