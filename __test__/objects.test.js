'use strict'
// Object lifetimes: labels whose alive population grows, objects that
// outlive their deadline, the collection probe, and bad input.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { after, describe, test } = require('node:test')
const { Worker } = require('node:worker_threads')
const leakguard = require('..')
const { FAST, waitFor, watchReports } = require('./helpers/leaks')

const lineOf = (marker) => fs.readFileSync(__filename, 'utf8').split('\n').findIndex((l) => l.includes(marker)) + 1

const watch = (work, options) => watchReports('objects', work, options)

describe('tracked labels', () => {
  test('a label whose objects are retained is reported, with where they are created', async () => {
    const retained = []
    const { reports, stats } = await watch((guard) => {
      for (let i = 0; i < 5; i++) retained.push(guard.track({ i, payload: new Array(10).fill(i) }, 'request')) // creation site
    })
    const report = reports[0]
    assert.equal(report.kind, 'objects')
    assert.equal(report.reason, 'growing')
    assert.equal(report.label, 'request')
    assert.ok(report.current > 100 && report.current === report.created - report.collected, JSON.stringify(report))
    assert.ok(report.growthPerMinute > 5000, `${report.growthPerMinute}`)
    assert.match(report.creationSites[0].site, new RegExp(`objects\\.test\\.js:${lineOf('// creation site')}:\\d+$`))
    assert.match(report.message, /^'request' objects pile up: [\d,]+ alive \([\d,]+ created, [\d,]+ collected\), growing [\d,]+\/min and surviving full GCs; most created at .*objects\.test\.js/)
    const label = stats.objects.labels.find((l) => l.label === 'request')
    assert.equal(label.leaking, true)
  })

  test('a label that churns (created and dropped, steady population) is quiet', async () => {
    const window = []
    const { reports, stats } = await watch(
      (guard) => {
        for (let i = 0; i < 20; i++) {
          window.push(guard.track({ i }, 'session'))
          if (window.length > 200) window.shift()
        }
      },
      { ms: 4000, stopAtFirst: false },
    )
    assert.deepEqual(reports, [])
    const label = stats.objects.labels.find((l) => l.label === 'session')
    assert.ok(label.created > 3000, JSON.stringify(label))
    assert.ok(label.collected > 0, 'finalizers counted collections')
    assert.equal(label.leaking, false)
  })

  test('tracking the same object twice counts it twice', async () => {
    const guard = leakguard.start({ intervalMs: 10 })
    try {
      const obj = {}
      assert.equal(guard.track(obj, 'twice'), obj)
      guard.track(obj, 'twice')
      await new Promise((r) => setTimeout(r, 50))
      const label = guard.stats().objects.labels.find((l) => l.label === 'twice')
      assert.equal(label.created, 2)
      assert.equal(label.alive, 2)
    } finally {
      guard.stop()
    }
  })

  test('nothing is reported after stop(), and track() then does nothing', async () => {
    const retained = []
    const late = []
    const guard = leakguard.start({ ...FAST, onLeak: (r) => late.push(r) })
    guard.stop()
    const timer = setInterval(() => {
      for (let i = 0; i < 20; i++) retained.push(guard.track({ i }, 'after-stop'))
    }, 10)
    await new Promise((r) => setTimeout(r, 1500))
    clearInterval(timer)
    assert.deepEqual(late, [])
    assert.equal(guard.stats().objects.labels.length, 0)
  })
})

describe('expectCollected()', () => {
  test('an object a closure keeps alive is reported with its label, age and creation site', async () => {
    const keepers = []
    const { reports } = await watch(() => {}, {
      setup(guard) {
        const connection = { socket: 'fd 12' }
        keepers.push(() => connection.socket) // the leak: a closure holds it
        guard.expectCollected(connection, 'connection', { withinMs: 200 }) // expectation site
      },
    })
    const report = reports[0]
    assert.equal(report.reason, 'overdue')
    assert.equal(report.label, 'connection')
    assert.ok(report.ageMs >= 200, `${report.ageMs}`)
    assert.match(report.creationSites[0].site, new RegExp(`objects\\.test\\.js:${lineOf('// expectation site')}:\\d+$`))
    assert.match(report.message, /^A 'connection' object expected to be collected within 200 ms is still alive after [\d.]+ (ms|s) and two full GCs; created at .*objects\.test\.js/)
    assert.equal(keepers.length, 1)
  })

  test('an object that is dropped is not reported', async () => {
    const { reports } = await watch(() => {}, {
      ms: 2000,
      stopAtFirst: false,
      setup(guard) {
        guard.expectCollected({ socket: 'fd 13' }, 'connection', { withinMs: 100 })
        guard.expectCollected({ socket: 'fd 14' }, 'connection')
      },
    })
    assert.deepEqual(reports, [])
  })
})

describe('probe()', () => {
  test('tells a collected object from a retained one', async () => {
    const kept = { name: 'kept' }
    const retained = leakguard.probe(kept)
    const dropped = leakguard.probe({ name: 'dropped' })
    assert.equal(await dropped.collected(), true)
    assert.equal(await retained.collected({ attempts: 2 }), false)
    assert.equal(kept.name, 'kept')
  })
})

test('tracking works inside a worker thread', async () => {
  const root = path.join(__dirname, '..')
  const source = `
    const { parentPort } = require('node:worker_threads')
    const leakguard = require(${JSON.stringify(root)})
    const retained = []
    const guard = leakguard.start({ intervalMs: 50, warmupSamples: 2, minSamples: 12, onLeak(report) {
      if (report.kind !== 'objects') return
      clearInterval(timer)
      guard.stop()
      parentPort.postMessage({ label: report.label, reason: report.reason, stats: guard.stats().objects })
    } })
    const timer = setInterval(() => { for (let i = 0; i < 5; i++) retained.push(guard.track({ i }, 'job')) }, 10)
  `
  const worker = new Worker(source, { eval: true })
  const message = await waitFor((done) => worker.once('message', done), 20_000, 'worker report').finally(() => worker.terminate())
  assert.equal(message.label, 'job')
  assert.equal(message.reason, 'growing')
  assert.equal(message.stats.labels[0].label, 'job')
})

describe('bad input', () => {
  const guard = leakguard.start({ intervalMs: 60_000 })
  const cases = [
    ['track(null)', () => guard.track(null, 'x'), TypeError, 'ERR_INVALID_ARG_TYPE', /"obj" argument must be of type object or function\. Received null/],
    ['track(42)', () => guard.track(42, 'x'), TypeError, 'ERR_INVALID_ARG_TYPE', /Received type number \(42\)/],
    ["track('str')", () => guard.track('str', 'x'), TypeError, 'ERR_INVALID_ARG_TYPE', /Received type string/],
    ['a non-string label', () => guard.track({}, 7), TypeError, 'ERR_INVALID_ARG_TYPE', /"label" argument must be of type string/],
    ['an empty label', () => guard.track({}, ''), Error, 'ERR_INVALID_ARG_VALUE', /non-empty string/],
    ['a negative withinMs', () => guard.expectCollected({}, 'x', { withinMs: -1 }), RangeError, 'ERR_OUT_OF_RANGE', /"options\.withinMs" is out of range/],
    ['a string withinMs', () => guard.expectCollected({}, 'x', { withinMs: '5' }), TypeError, 'ERR_INVALID_ARG_TYPE', /options\.withinMs/],
    ['non-object options', () => guard.expectCollected({}, 'x', 5), TypeError, 'ERR_INVALID_ARG_TYPE', /"options" argument must be of type object/],
    ['probe(undefined)', () => leakguard.probe(undefined), TypeError, 'ERR_INVALID_ARG_TYPE', /"obj" argument/],
    ['objects: 5', () => leakguard.start({ objects: 5 }), TypeError, 'ERR_INVALID_ARG_TYPE', /options\.objects/],
  ]
  for (const [what, call, type, code, message] of cases) {
    test(`${what} throws ${type.name} ${code}`, () => {
      assert.throws(call, (e) => e instanceof type && e.code === code && message.test(e.message))
    })
  }
  test('probe().collected() with bad attempts rejects', async () => {
    await assert.rejects(leakguard.probe({}).collected({ attempts: 0 }), (e) => e instanceof RangeError && e.code === 'ERR_OUT_OF_RANGE')
  })
  after(() => guard.stop())
})

describe('creation stacks', () => {
  const { meanStackGap } = require('../lib/guard/object-watch')

  test('one object in ~1,024 gets a stack, and a guard takes at most ~20 stacks a second however fast objects come', () => {
    // Rates of 10 to 100 million objects a second, over the gaps the rule
    // draws (1,024 on average at the least, up to a second's worth).
    for (const perSecond of [10, 1e3, 2e4, 1e5, 1e6, 1e7, 1e8]) {
      for (const gap of [1024, 5000, 1e5]) {
        const mean = meanStackGap(gap, (gap / perSecond) * 1000)
        assert.ok(mean >= 1024, `${perSecond}/s: a gap of ${mean}`)
        const stacksPerSecond = perSecond / mean
        assert.ok(stacksPerSecond <= 20.001, `${perSecond}/s: ${stacksPerSecond} stacks a second`)
        // Below ~20,000 objects a second, the gap stays 1,024.
        if (perSecond <= 20 * 1024) assert.equal(mean, 1024)
      }
    }
    // The one-object gaps after a new label: never under 1,024 after them.
    assert.ok(meanStackGap(1, 0.01) >= 1024)
    // Two objects in the same microsecond: a finite gap, not a division by zero.
    assert.ok(Number.isFinite(meanStackGap(2, 0)))
  })

  test('after a burst of objects, objects that then come slowly still get creation stacks', async () => {
    const retained = []
    let burst = true
    const { reports } = await watch((guard) => {
      if (burst) {
        burst = false
        for (let i = 0; i < 200_000; i++) guard.track({ i }, 'mixed') // burst site
        return
      }
      // 10,000 a second: under the rate where stacks thin out, so one in
      // ~1,024 gets a stack once the gap the burst drew is redrawn.
      for (let i = 0; i < 100; i++) retained.push(guard.track({ i }, 'mixed')) // slow site
    })
    const sites = reports[0].creationSites.map((s) => s.site)
    const slow = new RegExp(`objects\\.test\\.js:${lineOf('// slow site')}:\\d+$`)
    assert.ok(sites.some((site) => slow.test(site)), JSON.stringify(sites))
  })

  test('at millions of objects a second, the creation site is still found', async () => {
    // Bursts of 10,000 objects (tracked at millions a second), ten a second.
    const retained = []
    const { reports } = await watch(
      (guard) => {
        for (let i = 0; i < 10_000; i++) retained.push(guard.track({ i }, 'burst')) // fast creation site
      },
      { everyMs: 100 },
    )
    const report = reports[0]
    assert.equal(report.label, 'burst')
    assert.match(report.creationSites[0].site, new RegExp(`objects\\.test\\.js:${lineOf('// fast creation site')}:\\d+$`))
  })
})
