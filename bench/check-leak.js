'use strict'
// checkLeak() against the HeapDiff method that `leakage` used (a heap
// snapshot around 30 calls, six rounds, "grew in 5 rounds in a row"), on the
// same functions: how many verdicts each gets right, and how long a check takes.

const EventEmitter = require('node:events')
const v8 = require('node:v8')
const { PassThrough } = require('node:stream')
const { performance } = require('node:perf_hooks')
const leakguard = require('..')
const { median, row } = require('./harness')

/** The HeapDiff method: a snapshot before and after each round of 30 calls. */
async function heapDiffCheck(fn, { iterations = 30, rounds = 6 } = {}) {
  const sizes = []
  for (let r = 0; r <= rounds; r++) {
    if (r > 0) for (let i = 0; i < iterations; i++) await fn()
    leakguard.gc()
    // A full snapshot, read to the end, as HeapDiff takes one per round.
    await new Promise((resolve, reject) => v8.getHeapSnapshot().on('data', () => {}).on('end', resolve).on('error', reject))
    sizes.push(v8.getHeapStatistics().used_heap_size)
  }
  let run = 0
  let longest = 0
  for (let r = 1; r < sizes.length; r++) {
    run = sizes[r] > sizes[r - 1] ? run + 1 : 0
    longest = Math.max(longest, run)
  }
  return longest >= 5
}

function subjects() {
  const cache = new Map()
  let id = 0
  const bus = new EventEmitter()
  bus.setMaxListeners(0)
  const kept = []
  let singleton = null
  const memo = new Map()
  return [
    ['Map entry per call (~100 B)', true, () => cache.set(id++, { id, at: 1 })],
    ['listener per call', true, () => bus.on('data', () => {})],
    ['Buffer kept per call', true, () => kept.push(Buffer.alloc(1024))],
    ['pure computation', false, () => JSON.stringify({ a: [1, 2, 3] }).length],
    ['lazy singleton', false, () => (singleton ||= new Array(100_000).fill(1)).length],
    ['bounded memo', false, () => memo.get(id % 50) || memo.set(id++ % 50, { id })],
    [
      'stream created and destroyed',
      false,
      () => {
        const s = new PassThrough()
        s.on('data', () => {})
        s.destroy()
      },
    ],
  ]
}

module.exports = async function checkLeakBench() {
  const results = { leakguard: { right: 0, ms: [] }, heapdiff: { right: 0, ms: [] } }
  const notes = { leakguard: [], heapdiff: [] }
  for (const [method, check] of [
    ['leakguard', async (fn) => (await leakguard.checkLeak(fn)).leaked],
    ['heapdiff', heapDiffCheck],
  ]) {
    // Fresh subjects for each method: both start from the same state.
    for (const [name, leaks, fn] of subjects()) {
      const started = performance.now()
      const verdict = await check(fn)
      results[method].ms.push(performance.now() - started)
      if (verdict === leaks) results[method].right++
      else notes[method].push(`${leaks ? 'missed' : 'false alarm on'} ${name}`)
    }
  }
  const n = subjects().length
  return [
    row('checkLeak(): median time per check', median(results.leakguard.ms), 'ms', 'HeapDiff method', median(results.heapdiff.ms)),
    row(`checkLeak(): right verdicts of ${n}`, results.leakguard.right, 'of 7', 'HeapDiff method', results.heapdiff.right, notes.heapdiff.length ? `HeapDiff: ${notes.heapdiff.join(', ')}` : ''),
    ...(notes.leakguard.length ? [row('checkLeak() got wrong', notes.leakguard.length, 'cases', undefined, undefined, notes.leakguard.join(', '))] : []),
  ]
}
