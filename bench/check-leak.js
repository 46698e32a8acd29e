'use strict'
// checkLeak() against the HeapDiff method that `leakage` used (a heap
// snapshot around 30 calls, six rounds, "grew in 5 rounds in a row"), on the
// same functions: how many verdicts each gets right, and how long a check
// takes; then checkLeak() alone on functions built on real libraries, each
// in a fresh process.

const EventEmitter = require('node:events')
const v8 = require('node:v8')
const { PassThrough } = require('node:stream')
const { performance } = require('node:perf_hooks')
const path = require('node:path')
const leakguard = require('..')
const { subjects } = require('../workloads/check-subjects')
const { lastJsonLine, runNode } = require('../scripts/spawn')
const { median, row } = require('./harness')

/** checkLeak()'s default timeoutMs: the fresh-process checks run on defaults. */
const DEFAULT_BUDGET_MS = require('../lib/check/options').DEFAULTS.timeoutMs

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

function sameSubjects() {
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

/**
 * Each subject of `workloads/check-subjects.js` (functions on real
 * libraries, with their own warm-ups) checked once in a fresh process, the
 * way a test file does: median time per check, right verdicts, and the share
 * of clean checks that needed a second round.
 */
async function freshProcessChecks() {
  const runCheck = path.join(__dirname, '..', 'workloads', 'run-check.js')
  const rows = []
  for (const [name, subject] of Object.entries(subjects)) {
    const { code, stdout, stderr } = await runNode([runCheck, name], { timeoutMs: 90_000 })
    if (code !== 0) throw new Error(`${name}: ${stderr}`)
    const result = lastJsonLine(stdout)
    const right = subject.expect ? result.kinds.includes(subject.expect) && !(subject.not || []).some((k) => result.kinds.includes(k)) : !result.leaked
    rows.push({ name, clean: !subject.expect, right, ms: result.elapsedMs, rounds: result.rounds, undecided: result.undecided, timing: result.timing })
  }
  return rows
}

/** Times the seven functions are checked by each method: one check's time varies by ±50 % between runs. */
const REPEATS = 3

module.exports = async function checkLeakBench() {
  const results = { leakguard: { right: 0, ms: [], byName: {} }, heapdiff: { right: 0, ms: [], byName: {} } }
  const notes = { leakguard: [], heapdiff: [] }
  /** `result.timing` of the in-process checks of clean functions. */
  const cleanTimings = []
  const checkLeak = async (fn) => {
    const result = await leakguard.checkLeak(fn)
    if (!result.leaked) cleanTimings.push(result.timing)
    return result.leaked
  }
  for (let r = 0; r < REPEATS; r++) {
    for (const [method, check] of [
      ['leakguard', checkLeak],
      ['heapdiff', heapDiffCheck],
    ]) {
      // Fresh subjects for each method and repeat: each starts from the same state.
      for (const [name, leaks, fn] of sameSubjects()) {
        const started = performance.now()
        const verdict = await check(fn)
        const ms = performance.now() - started
        results[method].ms.push(ms)
        ;(results[method].byName[name] ||= []).push(ms)
        if (verdict === leaks) results[method].right++
        else notes[method].push(`${leaks ? 'missed' : 'false alarm on'} ${name} (repeat ${r + 1})`)
      }
    }
  }
  const n = sameSubjects().length * REPEATS
  const byName = (method) =>
    Object.entries(results[method].byName)
      .map(([name, ms]) => `${name} ${Math.round(median(ms))} ms`)
      .join('; ')
  const fresh = await freshProcessChecks()
  const clean = fresh.filter((r) => r.clean)
  const remeasured = clean.filter((r) => r.rounds > 1)
  const wrong = fresh.filter((r) => !r.right)
  const describe = (r) => `${r.name} ${(r.ms / 1000).toFixed(1)} s${r.rounds > 1 ? ` (${r.rounds} rounds)` : ''}`
  const leaking = fresh.filter((r) => !r.clean)
  // A check keeps its budget (the default 5 s) but for the closing reads of its last round.
  const past = fresh.filter((r) => r.ms > DEFAULT_BUDGET_MS)
  const part = (rows, key) => Math.round(median(rows.map((r) => r.timing[key])))
  const parts = (rows) => `warm-up ${part(rows, 'warmupMs')} ms, calls ${part(rows, 'callsMs')} ms, ${part(rows, 'reads')} GC readings ${part(rows, 'readsMs')} ms, explanation ${part(rows, 'explainMs')} ms`
  return [
    row(`checkLeak(): median time per check (seven functions × ${REPEATS})`, median(results.leakguard.ms), 'ms', 'HeapDiff method', median(results.heapdiff.ms), byName('leakguard')),
    row(`checkLeak(): right verdicts of ${n}`, results.leakguard.right, `of ${n}`, 'HeapDiff method', results.heapdiff.right, notes.heapdiff.length ? `HeapDiff: ${notes.heapdiff.join(', ')}` : ''),
    row(
      `checkLeak(): GC readings per clean check in one process (${cleanTimings.length})`,
      median(cleanTimings.map((t) => t.reads)),
      'readings',
      undefined,
      undefined,
      `of 9 in a whole round; range ${Math.min(...cleanTimings.map((t) => t.reads))}–${Math.max(...cleanTimings.map((t) => t.reads))}; ${Math.round(median(cleanTimings.map((t) => t.readsMs / t.reads)))} ms a reading`,
    ),
    ...(notes.leakguard.length ? [row('checkLeak() got wrong', notes.leakguard.length, 'cases', undefined, undefined, notes.leakguard.join(', '))] : []),
    row(`fresh processes, ${fresh.length} library subjects: median time per check`, median(fresh.map((r) => r.ms)), 'ms', undefined, undefined, fresh.map(describe).join('; ')),
    row(`fresh processes: median time per clean check (${clean.length})`, median(clean.map((r) => r.ms)), 'ms', undefined, undefined, parts(clean)),
    row(`fresh processes: median time per leaking check (${leaking.length})`, median(leaking.map((r) => r.ms)), 'ms', undefined, undefined, parts(leaking)),
    row(`fresh processes: right verdicts of ${fresh.length}`, fresh.length - wrong.length, `of ${fresh.length}`, undefined, undefined, wrong.map((r) => `wrong: ${r.name}${r.undecided.length ? ` (undecided: ${r.undecided.join(', ')})` : ''}`).join('; ')),
    row('fresh processes: clean checks measured again', remeasured.length, `of ${clean.length}`, undefined, undefined, remeasured.map(describe).join('; ')),
    row(`fresh processes: checks past their ${DEFAULT_BUDGET_MS / 1000} s budget`, past.length, `of ${fresh.length}`, undefined, undefined, `longest ${(Math.max(...fresh.map((r) => r.ms)) / 1000).toFixed(1)} s${past.length ? `; ${past.map(describe).join('; ')}` : ''}`),
  ]
}
