'use strict'
// start(), stop(), stats(), report delivery and bad input, through the public API.

const assert = require('node:assert/strict')
const path = require('node:path')
const { test, describe } = require('node:test')
const leakguard = require('..')
const { FAST, leakBuffers, waitFor } = require('./helpers/leaks')
const { runNode } = require('../scripts/spawn')

const root = path.join(__dirname, '..')

/** Resolves with the next process warning named `name`. */
function nextWarning(name) {
  return waitFor((done) => {
    const onWarning = (w) => {
      if (w.name !== name) return
      process.off('warning', onWarning)
      done(w)
    }
    process.on('warning', onWarning)
  })
}

describe('start() and the guard', () => {
  test('returns a running guard whose stats carry the latest figures', async () => {
    const guard = leakguard.start({ intervalMs: 20 })
    try {
      assert.equal(guard.stats().running, true)
      assert.equal(guard.stats().intervalMs, 20)
      // Past warm-up (8 samples): waits for the samples, not for a time.
      await waitFor((done) => {
        const poll = setInterval(() => guard.stats().samples >= 10 && (clearInterval(poll), done()), 5)
      }, 30_000, '10 samples')
      const stats = guard.stats()
      assert.ok(stats.latest.heapUsed > 0 && stats.latest.heapLimit > stats.latest.heapUsed)
      assert.ok(stats.latest.rss > 0 && stats.latest.external >= 0)
      assert.deepEqual(stats.memory.map((m) => m.kind), ['heap', 'external', 'native'])
      assert.ok(stats.memory.every((m) => m.state === 'watching'), JSON.stringify(stats.memory))
      assert.ok(['mallinfo2', 'statm'].includes(stats.nativeSource))
      // A second in, the settling minute still runs (npm run test:long waits it out and judges a minute past it).
      assert.equal(stats.settledAt, null)
    } finally {
      guard.stop()
    }
    assert.equal(guard.stats().running, false)
    guard.stop()
  })

  test('uses a 500 ms interval by default', () => {
    const guard = leakguard.start()
    guard.stop()
    assert.equal(guard.stats().intervalMs, 500)
  })

  test('samples are scheduled at random gaps around intervalMs, so no timer of the app lines up with them', async () => {
    // The delays the guard asks its timer for, not the gaps a machine of
    // some speed delivered: a busy machine only stretches gaps.
    const delays = []
    const original = globalThis.setTimeout
    globalThis.setTimeout = function (fn, delay, ...args) {
      if (/lib[\\/]guard[\\/]sample-clock\.js/.test(new Error().stack)) delays.push(delay)
      return original.call(this, fn, delay, ...args)
    }
    let guard
    try {
      guard = leakguard.start({ intervalMs: 20 })
      await waitFor((done) => {
        const poll = setInterval(() => delays.length >= 200 && (clearInterval(poll), done()), 5)
      }, 30_000, '200 scheduled samples')
    } finally {
      globalThis.setTimeout = original
      if (guard) guard.stop()
    }
    assert.ok(delays.every((d) => d >= 10 && d < 30), `a delay outside 10–30 ms: ${delays.join(' ')}`)
    // A fixed schedule asks for 20 ms every time; drawn from 10–30 ms, a
    // third fall under 17 ms and a quarter over 25.
    const short = delays.filter((d) => d < 17).length
    const long = delays.filter((d) => d > 25).length
    assert.ok(short > delays.length / 5 && long > delays.length / 6, `${short} under 17 ms, ${long} over 25 ms of ${delays.length}`)
  })

  test('the compiled-code level is V8\'s code statistics, read rarely while compilation is weighed; the code space\'s after or on a large heap', () => {
    const v8 = require('node:v8')
    const { CompiledCodeLevel } = require('../lib/guard/compiled-code')
    const compiled = () => {
      const s = v8.getHeapCodeStatistics()
      return s.code_and_metadata_size + s.bytecode_and_metadata_size
    }
    const level = new CompiledCodeLevel()
    const t0 = 1_000_000
    const heap = v8.getHeapStatistics().used_heap_size
    const before = compiled()
    const first = level.level(t0, 1_000, heap, true)
    const after = compiled()
    assert.equal(level.reads, 1)
    assert.ok(first >= Math.min(before, after) && first <= Math.max(before, after), `${first} outside ${before}..${after}`)
    // Between reads the level holds: the code space's page-sized moves are not compilation.
    assert.equal(level.level(t0 + 500, 1_300, heap, true), first)
    assert.equal(level.level(t0 + 1_500, 900, heap, true), first)
    assert.equal(level.reads, 1)
    // Read again later (two seconds at least, a thousand times a read's cost).
    const last = level.level(t0 + 60_000, 900, heap, true)
    assert.equal(level.reads, 2)
    // Never read once the monitor no longer weighs compilation: the level goes on from the last statistics with the code space.
    assert.equal(level.level(t0 + 400_000, 1_900, heap, false), last + 1_000)
    assert.equal(level.reads, 2)
    // A heap too large to walk in 20 ms is never walked: the level is the code space's.
    const large = new CompiledCodeLevel()
    assert.equal(large.level(t0, 4_096, 1e12, true), 4_096)
    assert.equal(large.level(t0 + 10_000, 8_192, 1e12, true), 8_192)
    assert.equal(large.reads, 0)
    // And a level that began on a large heap stays the code space's when the heap shrinks: no jump.
    assert.equal(large.level(t0 + 20_000, 8_192, heap, true), 8_192)
    assert.equal(large.reads, 0)
    // A time that is not a number reads nothing: the level is the code space's until a read.
    const untimed = new CompiledCodeLevel()
    assert.equal(untimed.level(NaN, 2_048, heap, true), 2_048)
    assert.equal(untimed.reads, 0)
    untimed.level(t0, 2_048, heap, true)
    assert.equal(untimed.reads, 1)
    // One slow read (the thread preempted) does not end the reads; two in a row do.
    const preempted = new CompiledCodeLevel()
    const { performance } = require('node:perf_hooks')
    const realNow = performance.now
    let calls = 0
    let extraMs = 0
    // A read times itself with two calls: the second is late by extraMs.
    performance.now = () => realNow.call(performance) + (calls++ % 2 === 1 ? extraMs : 0)
    try {
      preempted.level(t0, 1_000, heap, true)
      extraMs = 40
      preempted.level(t0 + 60_000, 1_000, heap, true)
      assert.equal(preempted.reads, 2)
      preempted.level(t0 + 120_000, 1_000, heap, true)
      assert.equal(preempted.reads, 3, 'one slow read ended the reads')
      preempted.level(t0 + 180_000, 1_000, heap, true)
      assert.equal(preempted.reads, 3, 'two slow reads in a row did not end them')
      assert.ok(preempted.costPerByte * heap > 20, 'the fourth read was put off, not foreseen too slow')
    } finally {
      performance.now = realNow
    }
  })

  test('randomGap draws from half to one and a half times its mean', () => {
    const { randomGap } = require('../lib/random-gap')
    assert.equal(randomGap(100, () => 0), 50)
    assert.equal(randomGap(100, () => 0.5), 100)
    assert.ok(randomGap(100, () => 0.999999) < 150)
  })


  test('hands a complete report to onLeak', async () => {
    const stopLeak = leakBuffers()
    const reports = []
    let guard
    const report = await waitFor((done) => {
      guard = leakguard.start({ ...FAST, onLeak: (r) => (reports.push(r), done(r)) })
    }, 15_000, 'report').finally(() => {
      stopLeak()
      guard.stop()
    })
    assert.equal(report.kind, 'external')
    assert.match(report.message, /^External memory \(Buffers, ArrayBuffers\) grows [\d.]+ [KMG]iB\/min over [\d.]+ m?s and keeps it after full GCs/)
    assert.ok(['low', 'medium', 'high'].includes(report.severity))
    assert.ok(report.growthPerMinute > 10 * 1024 * 1024, `${report.growthPerMinute}`)
    assert.ok(report.current > 10 * 1024 * 1024)
    assert.ok(Math.abs(report.detectedAt - Date.now()) < 5000)
    assert.ok(report.samples.length >= 12 && report.samples.length <= 120)
    for (const p of report.samples) assert.ok(Number.isFinite(p.at) && Number.isFinite(p.value))
    assert.ok(report.pValue < 0.001)
    assert.equal(report.escalated, false)
    assert.equal(report.msUntilLimit, undefined)
    assert.equal(reports.length, 1, 'one report per kind while the trend lasts')
  })

  test('without onLeak, reports go out as LeakWarning warnings', async () => {
    const stopLeak = leakBuffers()
    const guard = leakguard.start(FAST)
    const warning = await nextWarning('LeakWarning').finally(() => {
      stopLeak()
      guard.stop()
    })
    assert.ok(warning instanceof Error)
    assert.equal(warning.code, 'LEAKGUARD_LEAK')
    assert.equal(warning.kind, 'external')
    assert.equal(warning.report.kind, 'external')
    assert.equal(warning.message, warning.report.message)
    assert.ok(warning.growthPerMinute > 0 && warning.current > 0)
  })

  test('an onLeak that throws loses no report and does not stop monitoring', async () => {
    const stopLeak = leakBuffers()
    const warnings = []
    const onWarning = (w) => warnings.push(w)
    process.on('warning', onWarning)
    let calls = 0
    const guard = leakguard.start({
      ...FAST,
      onLeak() {
        calls++
        throw new Error('handler bug')
      },
    })
    try {
      await waitFor((done) => {
        const poll = setInterval(() => {
          if (warnings.some((w) => w.name === 'LeakWarning')) done(clearInterval(poll))
        }, 20)
      })
      const samplesThen = guard.stats().samples
      await new Promise((r) => setTimeout(r, 300))
      assert.ok(guard.stats().samples > samplesThen, 'still sampling after the throw')
      assert.equal(guard.stats().running, true)
    } finally {
      stopLeak()
      guard.stop()
      process.off('warning', onWarning)
    }
    assert.equal(calls, 1)
    const failure = warnings.find((w) => w.name === 'LeakCallbackWarning')
    assert.ok(failure, 'a LeakCallbackWarning names the failure')
    assert.equal(failure.code, 'LEAKGUARD_CALLBACK_FAILED')
    assert.equal(failure.cause.message, 'handler bug')
    assert.match(failure.message, /onLeak threw while handling a external report: handler bug/)
    assert.equal(warnings.find((w) => w.name === 'LeakWarning').kind, 'external')
  })

  test('an onLeak whose promise rejects is reported the same way', async () => {
    const stopLeak = leakBuffers()
    const guard = leakguard.start({ ...FAST, onLeak: async () => Promise.reject(new Error('async bug')) })
    const failure = await nextWarning('LeakCallbackWarning').finally(() => {
      stopLeak()
      guard.stop()
    })
    assert.equal(failure.cause.message, 'async bug')
  })

  test('after stop() nothing is reported, and start() again begins afresh', async () => {
    const stopLeak = leakBuffers()
    let late = 0
    const first = leakguard.start({ ...FAST, onLeak: () => late++ })
    first.stop()
    const frozen = first.stats().samples
    await new Promise((r) => setTimeout(r, 1500))
    assert.equal(first.stats().samples, frozen)
    assert.equal(late, 0)
    let second
    const report = await waitFor((done) => {
      second = leakguard.start({ ...FAST, onLeak: done })
    }).finally(() => {
      stopLeak()
      second.stop()
    })
    assert.equal(report.kind, 'external')
    assert.equal(late, 0)
  })

  test('a running guard never keeps the process alive', async () => {
    const script = `const g = require(${JSON.stringify(root)}).start({ intervalMs: 10 }); setTimeout(() => console.log(g.stats().samples > 0 ? 'sampled' : 'idle'), 100)`
    const { code, stdout, ms } = await runNode(['-e', script], { timeoutMs: 20_000 })
    assert.equal(code, 0)
    assert.equal(stdout.trim(), 'sampled')
    assert.ok(ms < 15_000)
  })
})

describe('bad input', () => {
  const cases = [
    ['a string', 'x', TypeError, 'ERR_INVALID_ARG_TYPE', /The "options" argument must be of type object\. Received type string \('x'\)/],
    ['null', null, TypeError, 'ERR_INVALID_ARG_TYPE', /Received null/],
    ['an array', [], TypeError, 'ERR_INVALID_ARG_TYPE', /Received an instance of Array/],
    ['a string intervalMs', { intervalMs: '10' }, TypeError, 'ERR_INVALID_ARG_TYPE', /"options\.intervalMs" property must be of type number/],
    ['a zero intervalMs', { intervalMs: 0 }, RangeError, 'ERR_OUT_OF_RANGE', /"options\.intervalMs" is out of range\. It must be > 0/],
    ['a negative intervalMs', { intervalMs: -5 }, RangeError, 'ERR_OUT_OF_RANGE', /Received -5/],
    ['a NaN intervalMs', { intervalMs: NaN }, RangeError, 'ERR_OUT_OF_RANGE', /Received NaN/],
    ['an infinite intervalMs', { intervalMs: Infinity }, RangeError, 'ERR_OUT_OF_RANGE', /Received Infinity/],
    ['a non-function onLeak', { onLeak: 'log' }, TypeError, 'ERR_INVALID_ARG_TYPE', /"options\.onLeak" property must be of type function/],
    ['too few minSamples', { minSamples: 2 }, RangeError, 'ERR_OUT_OF_RANGE', /options\.minSamples/],
    ['minSamples 5, under the least (6)', { minSamples: 5 }, RangeError, 'ERR_OUT_OF_RANGE', /"options\.minSamples" is out of range\. It must be an integer >= 6 && <= 1000\. Received 5/],
    ['minSamples 1001, over the most (1000)', { minSamples: 1001 }, RangeError, 'ERR_OUT_OF_RANGE', /"options\.minSamples" is out of range\. It must be an integer >= 6 && <= 1000\. Received 1001/],
    ['a fractional minSamples', { minSamples: 12.5 }, RangeError, 'ERR_OUT_OF_RANGE', /"options\.minSamples" is out of range\. It must be an integer >= 6 && <= 1000\. Received 12\.5/],
    ['a fractional warmupSamples', { warmupSamples: 1.5 }, RangeError, 'ERR_OUT_OF_RANGE', /an integer/],
    ['maxSamples under minSamples', { minSamples: 30, maxSamples: 10 }, RangeError, 'ERR_OUT_OF_RANGE', /options\.maxSamples/],
    ['a non-boolean confirmWithGc', { confirmWithGc: 'yes' }, TypeError, 'ERR_INVALID_ARG_TYPE', /options\.confirmWithGc/],
    ['a negative threshold', { thresholds: { heap: { bytesPerMinute: -1 } } }, RangeError, 'ERR_OUT_OF_RANGE', /options\.thresholds\.heap\.bytesPerMinute/],
    ['a non-object threshold', { thresholds: { native: 5 } }, TypeError, 'ERR_INVALID_ARG_TYPE', /options\.thresholds\.native/],
  ]
  for (const [what, options, type, code, message] of cases) {
    test(`start() with ${what} throws ${type.name} ${code}`, () => {
      assert.throws(() => leakguard.start(options), (error) => {
        assert.ok(error instanceof type, `${error.name}: ${error.message}`)
        assert.equal(error.code, code)
        assert.match(error.message, message)
        assert.match(error.stack, new RegExp(`^${type.name} \\[${code}\\]`))
        return true
      })
    })
  }

  test('register honours LEAKGUARD_INTERVAL_MS and rejects a bad one with a coded error', async () => {
    const good = await runNode(['-r', path.join(root, 'register.js'), '-e', `console.log(require(${JSON.stringify(path.join(root, 'register.js'))}).stats().intervalMs)`], { env: { LEAKGUARD_INTERVAL_MS: '250' } })
    assert.equal(good.code, 0, good.stderr)
    assert.equal(good.stdout.trim(), '250')
    const bad = await runNode(['-r', path.join(root, 'register.js'), '-e', '0'], { env: { LEAKGUARD_INTERVAL_MS: 'soon' } })
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /RangeError \[ERR_OUT_OF_RANGE\]: The value of "LEAKGUARD_INTERVAL_MS" is out of range/)
  })
})

test('gc() runs a full collection without --expose-gc', async () => {
  assert.equal(typeof globalThis.gc, 'undefined')
  let collected = false
  const registry = new FinalizationRegistry(() => (collected = true))
  ;(() => registry.register({ big: new Array(1000).fill(1) }, 'x'))()
  leakguard.gc()
  // Finalizers run on a later tick than the GC that found the object dead.
  for (let i = 0; i < 50 && !collected; i++) await new Promise((r) => setTimeout(r, 10))
  assert.equal(collected, true)
})
