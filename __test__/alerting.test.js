'use strict'
// Reports reaching people: `guard.on('leak')` subscribers isolated from one
// another, the `log` option (LeakWarnings or JSON lines on stderr), and
// coded errors for unknown options, events and LEAKGUARD_* variables.

const assert = require('node:assert/strict')
const os = require('node:os')
const path = require('node:path')
const { describe, test } = require('node:test')
const leakguard = require('..')
const { FAST, leakBuffers, speedingUpListenerLeak, waitFor } = require('./helpers/leaks')
const { runNode } = require('../scripts/spawn')

const root = path.join(__dirname, '..')

/** Collects process warnings named `name` until the returned function is called. */
function collectWarnings(name) {
  const seen = []
  const onWarning = (w) => w.name === name && seen.push(w)
  process.on('warning', onWarning)
  return () => {
    process.off('warning', onWarning)
    return seen
  }
}

describe("guard.on('leak') and guard.off()", () => {
  test('every subscriber gets each report; one that throws or rejects stops none of the others, and the report is still logged once', async () => {
    const stopLeak = leakBuffers()
    const failures = collectWarnings('LeakCallbackWarning')
    const leaks = collectWarnings('LeakWarning')
    const got = { onLeak: 0, first: 0, last: 0 }
    let guard
    const report = await waitFor((done) => {
      guard = leakguard.start({ ...FAST, onLeak: () => got.onLeak++ })
      guard
        .on('leak', () => {
          throw new Error('first subscriber fails')
        })
        .on('leak', () => {
          got.first++
          return Promise.reject(new Error('second subscriber rejects'))
        })
        .on('leak', (r) => {
          got.last++
          done(r)
        })
    }, 15_000, 'report').finally(() => {
      stopLeak()
      guard.stop()
    })
    await new Promise((resolve) => setImmediate(resolve))
    const failed = failures()
    const logged = leaks()
    assert.equal(report.kind, 'external')
    assert.ok(got.onLeak >= 1 && got.first === got.onLeak && got.last === got.onLeak, JSON.stringify(got))
    assert.ok(failed.some((w) => /first subscriber fails/.test(w.message)), failed.map((w) => w.message).join('; '))
    assert.ok(failed.some((w) => /second subscriber rejects/.test(w.message)), failed.map((w) => w.message).join('; '))
    // Subscribers failed, so the report went out as a warning too: once per report.
    assert.equal(logged.filter((w) => w.report === report).length, 1)
  })

  test('off() removes a subscriber; a guard whose subscribers are all removed logs its reports again', async () => {
    const stopLeak = leakBuffers()
    const leaks = collectWarnings('LeakWarning')
    let calls = 0
    const subscriber = () => calls++
    const guard = leakguard.start(FAST).on('leak', subscriber)
    assert.equal(guard.off('leak', subscriber), guard)
    const warning = await waitFor((done) => process.once('warning', (w) => w.name === 'LeakWarning' && done(w)), 15_000, 'warning').finally(() => {
      stopLeak()
      guard.stop()
      leaks()
    })
    assert.equal(calls, 0)
    assert.equal(warning.report.kind, 'external')
  })

  test('bad events and listeners are coded errors', () => {
    const guard = leakguard.start({ intervalMs: 60_000 })
    try {
      assert.throws(() => guard.on('resolve', () => {}), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_VALUE' && /'event' must be 'leak'/.test(e.message))
      assert.throws(() => guard.on(42, () => {}), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE')
      assert.throws(() => guard.on('leak', 'not a function'), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE' && /"listener"/.test(e.message))
      assert.throws(() => guard.off('leak', null), (e) => e.code === 'ERR_INVALID_ARG_TYPE')
    } finally {
      guard.stop()
    }
  })
})

describe('the log option', () => {
  const leakScript = (options) => `
    const leakguard = require(${JSON.stringify(root)})
    const kept = []
    const timer = setInterval(() => kept.push(Buffer.alloc(1024 * 1024, 1)), 20)
    const guard = leakguard.start(${options})
    guard.on('leak', (r) => { if (r.kind !== 'external') return; clearInterval(timer); setTimeout(() => { guard.stop(); process.exit(0) }, 50) })
    setTimeout(() => process.exit(2), 20_000)
  `

  test("log: 'json' writes each report as one JSON line on stderr, subscribers or not", async () => {
    const { code, stderr } = await runNode(['-e', leakScript(`{ ...${JSON.stringify(FAST)}, log: 'json' }`)], { timeoutMs: 30_000 })
    assert.equal(code, 0, stderr)
    const lines = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
    const line = lines.find((l) => l.report && l.report.kind === 'external')
    assert.ok(line, stderr)
    assert.deepEqual(Object.keys(line), ['time', 'level', 'name', 'code', 'pid', 'hostname', 'threadId', 'message', 'report'])
    assert.equal(new Date(line.time).toISOString(), line.time)
    assert.equal(line.name, 'LeakWarning')
    assert.equal(line.code, 'LEAKGUARD_LEAK')
    assert.equal(line.hostname, os.hostname())
    assert.equal(line.threadId, 0)
    assert.equal(line.message, line.report.message)
    assert.match(line.message, /^External memory/)
    assert.doesNotMatch(stderr, /LeakWarning:/, 'no plain warning besides the JSON line')
  })

  test("log: 'off' logs nothing; the default logs only what no subscriber receives", async () => {
    const off = await runNode(['-e', leakScript(`{ ...${JSON.stringify(FAST)}, log: 'off' }`)], { timeoutMs: 30_000 })
    assert.equal(off.code, 0, off.stderr)
    assert.doesNotMatch(off.stderr, /LeakWarning|"LEAKGUARD_LEAK"/)
    const auto = await runNode(['-e', leakScript(JSON.stringify(FAST))], { timeoutMs: 30_000 })
    assert.equal(auto.code, 0, auto.stderr)
    assert.doesNotMatch(auto.stderr, /LeakWarning|"LEAKGUARD_LEAK"/, 'a subscriber received the report')
  })

  test('a bad log value and an unknown option name are coded errors', () => {
    assert.throws(() => leakguard.start({ log: 'xml' }), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_VALUE' && /options\.log/.test(e.message))
    assert.throws(() => leakguard.start({ log: true }), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE')
    assert.throws(() => leakguard.start({ intervalMS: 100 }), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_VALUE' && /'intervalMS' is not one/.test(e.message))
  })
})

describe('LEAKGUARD_* variables configure the preload', () => {
  const register = path.join(root, 'register.js')
  const printStats = `const g = require(${JSON.stringify(register)}); const s = g.stats(); console.log(JSON.stringify({ intervalMs: s.intervalMs, sites: s.allocationSites.mode, listeners: s.listeners })); g.stop()`

  test('each variable reaches its option', async () => {
    const { code, stdout, stderr } = await runNode(['-r', register, '-e', printStats], {
      env: { LEAKGUARD_INTERVAL_MS: '250', LEAKGUARD_ALLOCATION_SITES: 'always', LEAKGUARD_LISTENERS: 'false', LEAKGUARD_HEAP_BYTES_PER_MINUTE: '1048576', LEAKGUARD_MIN_SAMPLES: '20' },
    })
    assert.equal(code, 0, stderr)
    assert.deepEqual(JSON.parse(stdout.trim()), { intervalMs: 250, sites: 'always', listeners: null })
  })

  for (const [variable, value, pattern] of [
    ['LEAKGUARD_MIN_SAMPLES', '3', /RangeError \[ERR_OUT_OF_RANGE\]: LEAKGUARD_MIN_SAMPLES="3": .*"options\.minSamples"/],
    ['LEAKGUARD_CONFIRM_WITH_GC', 'yes', /TypeError \[ERR_INVALID_ARG_VALUE\]: .*'LEAKGUARD_CONFIRM_WITH_GC' must be 'true', 'false', '1' or '0'\. Received 'yes'/],
    ['LEAKGUARD_LOG', 'xml', /TypeError \[ERR_INVALID_ARG_VALUE\]: .*'LEAKGUARD_LOG' must be one of 'warning', 'json', 'off'\. Received 'xml'/],
    ['LEAKGUARD_HEAP_BYTES_PER_MINUTE', '1MB', /RangeError \[ERR_OUT_OF_RANGE\]: The value of "LEAKGUARD_HEAP_BYTES_PER_MINUTE" is out of range\. It must be a finite number\. Received '1MB'/],
    ['LEAKGUARD_ALLOCATION_SITE', 'always', /ERR_LEAKGUARD_UNKNOWN_VARIABLE.*Did you mean LEAKGUARD_ALLOCATION_SITES\?/],
  ]) {
    test(`${variable}=${value} stops start-up with a coded error naming it`, async () => {
      const { code, stdout, stderr } = await runNode(['-r', register, '-e', 'console.log("ran")'], { env: { [variable]: value } })
      assert.notEqual(code, 0)
      assert.equal(stdout, '')
      assert.match(stderr, pattern)
    })
  }
})

describe('rate limits, reminders and resolved', () => {
  test("a leak that stops is reported once, then 'resolved' closes it", async () => {
    const stopLeak = leakBuffers()
    const leaks = []
    let guard
    const resolved = await waitFor((done) => {
      guard = leakguard.start({ ...FAST, onLeak: (r) => r.kind === 'external' && (leaks.push(r), leaks.length === 1 && stopLeak()) })
      guard.on('resolved', (r) => r.kind === 'external' && done(r))
    }, 30_000, 'resolved').finally(() => {
      stopLeak()
      guard.stop()
    })
    assert.equal(leaks.filter((r) => !r.escalated).length, 1, JSON.stringify(leaks.map((r) => r.message)))
    assert.equal(resolved.resolved, true)
    assert.equal(resolved.identity, 'external')
    assert.ok(resolved.durationMs > 0 && resolved.resolvedAt > resolved.firstReportedAt, JSON.stringify(resolved))
    assert.match(resolved.message, /^External memory growth stopped: no longer reported as leaking, [\d.]+ (ms|s|min) after it was first reported/)
  })

  test('realertMs reminds of a leak that goes on, never more often than minIntervalMs', async () => {
    const stopLeak = leakBuffers()
    const sent = []
    let guard
    await waitFor((done) => {
      guard = leakguard.start({
        ...FAST,
        alerts: { minIntervalMs: 400, realertMs: 400 },
        onLeak: (r) => {
          if (r.kind !== 'external') return
          sent.push({ at: Date.now(), r })
          if (sent.filter((s) => s.r.repeat).length >= 3) done()
        },
      })
    }, 30_000, 'three reminders').finally(() => {
      stopLeak()
      guard.stop()
    })
    const reminders = sent.filter((s) => s.r.repeat)
    assert.ok(reminders.every((s) => /\(still leaking after [\d.]+ (ms|s|min)\)$/.test(s.r.message)), reminders.map((s) => s.r.message).join('\n'))
    for (let i = 1; i < sent.length; i++) assert.ok(sent[i].at - sent[i - 1].at >= 390, `reports ${sent[i].at - sent[i - 1].at} ms apart`)
  })

  test('minIntervalMs: an escalation inside the interval waits, and the newest report goes out when the interval ends', async () => {
    // A long list grows slowly (medium severity), then faster and faster (high).
    const minIntervalMs = 4000
    const sent = []
    let guard
    let leak
    await waitFor((done) => {
      guard = leakguard.start({
        ...FAST,
        listeners: { minGrowthPerMinute: 0 },
        alerts: { minIntervalMs },
        onLeak(r) {
          if (r.kind !== 'listeners') return
          sent.push({ r, deliveredAt: Date.now() })
          leak.speedUp()
          if (r.severity === 'high') done()
        },
      })
      leak = speedingUpListenerLeak(1.3)
    }, 30_000, 'a high listener report').finally(() => {
      leak.stop()
      guard.stop()
    })
    const [first, second] = sent
    assert.equal(sent.length, 2, JSON.stringify(sent.map((s) => s.r.message)))
    assert.equal(first.r.severity, 'medium')
    assert.equal(second.r.escalated, true)
    assert.equal(second.r.escalatedFrom, 'medium')
    assert.ok(second.r.detectedAt - first.r.detectedAt < minIntervalMs, 'the escalation was made inside the interval (else this test shows nothing)')
    // Lower bounds only (a loaded machine only delays): it waited for the interval's end.
    // (The interval runs from when the gate let the first report through, about its detectedAt.)
    assert.ok(second.deliveredAt - first.r.detectedAt >= minIntervalMs - 100, `${second.deliveredAt - first.r.detectedAt} ms apart`)
  })

  test('bad alerts options are coded errors', () => {
    assert.throws(() => leakguard.start({ alerts: { minIntervalMs: -1 } }), (e) => e instanceof RangeError && e.code === 'ERR_OUT_OF_RANGE')
    assert.throws(() => leakguard.start({ alerts: { minIntervalMs: 60_000, realertMs: 1000 } }), (e) => e instanceof RangeError && e.code === 'ERR_OUT_OF_RANGE' && /realertMs/.test(e.message))
    assert.throws(() => leakguard.start({ alerts: 'often' }), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE')
  })
})

describe("log: 'warning' and logged resolutions", () => {
  /** Leaks external memory until the first external report, then waits for its LeakResolved warning; returns what was seen. */
  async function leakThenResolve(options, subscribe) {
    let stopLeak = leakBuffers()
    const leakWarnings = collectWarnings('LeakWarning')
    const heard = { leaks: [], resolved: [] }
    let guard
    const resolvedWarning = await waitFor((done) => {
      const onWarning = (w) => {
        if (w.name === 'LeakWarning' && w.kind === 'external') stopLeak()
        if (w.name === 'LeakResolved' && w.kind === 'external') {
          process.off('warning', onWarning)
          done(w)
        }
      }
      process.on('warning', onWarning)
      guard = leakguard.start({ ...FAST, ...options })
      if (subscribe === 'analysis') guard.on('analysis', () => {})
      else if (subscribe) {
        guard.on('leak', (r) => r.kind === 'external' && (heard.leaks.push(r), stopLeak()))
        guard.on('resolved', (r) => r.kind === 'external' && heard.resolved.push(r))
      }
    }, 30_000, 'LeakResolved warning').finally(() => {
      stopLeak()
      guard.stop()
    })
    return { resolvedWarning, leakWarnings: leakWarnings().filter((w) => w.kind === 'external'), heard }
  }

  test("log: 'warning' logs every report as a LeakWarning and every resolution as a LeakResolved, subscribers or not", async () => {
    const { resolvedWarning, leakWarnings, heard } = await leakThenResolve({ log: 'warning' }, true)
    assert.ok(heard.leaks.length >= 1 && heard.resolved.length === 1, JSON.stringify(heard))
    assert.deepEqual(leakWarnings.map((w) => w.message), heard.leaks.map((r) => r.message), 'one LeakWarning per report the subscriber got')
    assert.equal(leakWarnings[0].code, 'LEAKGUARD_LEAK')
    assert.equal(leakWarnings[0].report, heard.leaks[0])
    assert.equal(resolvedWarning.code, 'LEAKGUARD_RESOLVED')
    assert.equal(resolvedWarning.report, heard.resolved[0])
    assert.equal(resolvedWarning.message, heard.resolved[0].message)
    assert.match(resolvedWarning.message, /^External memory growth stopped: no longer reported as leaking/)
  })

  test("unset log, an 'analysis' subscriber only: the report and its end are still logged, since nobody hears them", async () => {
    const { resolvedWarning, leakWarnings } = await leakThenResolve({}, 'analysis')
    assert.ok(leakWarnings.length >= 1)
    assert.equal(resolvedWarning.code, 'LEAKGUARD_RESOLVED')
    assert.equal(resolvedWarning.report.identity, 'external')
  })

  test('unset log, no subscriber: the report is a LeakWarning, its end a LeakResolved', async () => {
    const { resolvedWarning, leakWarnings } = await leakThenResolve({}, false)
    assert.ok(leakWarnings.length >= 1)
    assert.equal(resolvedWarning.code, 'LEAKGUARD_RESOLVED')
    assert.equal(resolvedWarning.report.resolved, true)
    assert.equal(resolvedWarning.report.identity, 'external')
    assert.match(resolvedWarning.message, /^External memory growth stopped/)
  })
})
