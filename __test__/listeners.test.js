'use strict'
// Listener leaks: reported on growth, with the emitter, the event and the
// line that adds them; quiet on stable counts, add/remove pairs and
// short-lived emitters. Judged at intervalMs 50 so each case takes ~2 s.

const assert = require('node:assert/strict')
const EventEmitter = require('node:events')
const { describe, test } = require('node:test')
const leakguard = require('..')
const { FAST, speedingUpListenerLeak, waitFor, watchReports } = require('./helpers/leaks')

const watch = (work, options) => watchReports('listeners', work, options)

class JobQueue extends EventEmitter {}

describe('listener leaks are reported', () => {
  test('a listener added per request to a long-lived emitter, with the add site', async () => {
    const bus = new JobQueue()
    const { reports } = await watch(() => {
      bus.on('job', () => {}) // the leaking line
    })
    const report = reports[0]
    assert.equal(report.kind, 'listeners')
    assert.equal(report.emitter, 'JobQueue')
    assert.equal(report.eventName, 'job')
    assert.ok(report.current >= 12 && report.current <= bus.listenerCount('job'), `${report.current}`)
    assert.ok(report.growthPerMinute > 1000, `${report.growthPerMinute}`)
    assert.match(report.message, /^JobQueue has [\d,]+ 'job' listeners, growing [\d,]+\/min: added at .*listeners\.test\.js:\d+:\d+ \(100% of sampled adds\)/)
    const line = require('node:fs').readFileSync(__filename, 'utf8').split('\n').findIndex((l) => l.includes('// the leaking line')) + 1
    assert.match(report.addSites[0].site, new RegExp(`listeners\\.test\\.js:${line}:\\d+$`))
    assert.ok(report.addSites[0].count >= 1)
    assert.ok(report.addSites[0].frames.length >= 1)
    assert.ok(!report.addSites[0].frames.some((f) => f.includes('listener-hook')), 'leakguard frames are dropped')
  })

  test('a leak that comes back after a cleanup is resolved, then reported again', async () => {
    const bus = new EventEmitter()
    bus.setMaxListeners(0)
    const added = []
    const events = []
    let phase = 'first leak'
    let guard
    let timer
    // Event-driven: the first leak is cleaned up once reported, a slower one
    // starts once it is resolved, and the test ends at its report.
    await waitFor((done) => {
      guard = leakguard.start({
        ...FAST,
        onLeak: (r) => {
          if (r.kind !== 'listeners') return
          events.push(['leak', r.current])
          if (phase === 'first leak') {
            // Cleanup that keeps Node's listener array: all but two removed.
            for (const l of added.splice(2)) bus.off('job', l)
            phase = 'cleaned up'
          } else if (phase === 'second leak') done()
        },
      })
      guard.on('resolved', (r) => {
        if (r.kind !== 'listeners') return
        events.push(['resolved', r.identity])
        phase = 'second leak'
      })
      timer = setInterval(() => {
        if (phase === 'first leak') {
          for (let i = 0; i < 5; i++) {
            const listener = () => {}
            bus.on('job', listener)
            added.push(listener)
          }
        } else if (phase === 'second leak') bus.on('job', () => {})
      }, 10)
    }, 30_000, 'leak, resolved, leak').finally(() => {
      clearInterval(timer)
      guard.stop()
    })
    assert.deepEqual(events.map((e) => e[0]), ['leak', 'resolved', 'leak'], JSON.stringify(events))
    assert.equal(events[1][1], 'listeners:EventEmitter:job')
    // The second leak is reported on its own count, far below the first one's.
    assert.ok(events[2][1] < events[0][1], JSON.stringify(events))
  })

  test('a leak that speeds up after its report is escalated, never resolved', async () => {
    // Slow on a long list (medium severity), then faster and faster from
    // its first report: the knee breaks the steady line the window rules
    // fit for a while.
    for (const factor of [1.3, 2]) {
      const events = []
      let guard
      let leak
      await waitFor((done) => {
        guard = leakguard.start({
          ...FAST,
          listeners: { minGrowthPerMinute: 0 },
          onLeak: (r) => {
            if (r.kind !== 'listeners') return
            events.push({ type: 'leak', severity: r.severity, escalated: r.escalated })
            leak.speedUp()
            if (r.severity === 'high') done()
          },
        })
        guard.on('resolved', (r) => r.kind === 'listeners' && events.push({ type: 'resolved' }))
        leak = speedingUpListenerLeak(factor)
      }, 30_000, 'a high listener report').finally(() => {
        leak.stop()
        guard.stop()
      })
      assert.deepEqual(events, [
        { type: 'leak', severity: 'medium', escalated: false },
        { type: 'leak', severity: 'high', escalated: true },
      ], `×${factor} a tick`)
    }
  })

  test('with setMaxListeners(0), where Node itself stays silent', async () => {
    const bus = new EventEmitter()
    bus.setMaxListeners(0)
    const warnings = []
    const onWarning = (w) => warnings.push(w.name)
    process.on('warning', onWarning)
    const { reports } = await watch(() => bus.on('tick', () => {})).finally(() => process.off('warning', onWarning))
    assert.equal(reports[0].eventName, 'tick')
    assert.ok(!warnings.includes('MaxListenersExceededWarning'))
  })

  test('once() listeners for an event that never fires', async () => {
    const conn = new EventEmitter()
    const { reports } = await watch(() => conn.once('drain', () => {}))
    assert.equal(reports[0].eventName, 'drain')
    assert.match(reports[0].addSites[0].site, /listeners\.test\.js:\d+:\d+$/)
  })

  test('prependListener() and symbol events', async () => {
    const emitter = new EventEmitter()
    const event = Symbol('ready')
    const { reports } = await watch(() => emitter.prependListener(event, () => {}))
    assert.equal(reports[0].eventName, 'Symbol(ready)')
  })

  test('EventTarget listeners on a MessagePort, like an EventEmitter\'s', async () => {
    const { MessageChannel } = require('node:worker_threads')
    const { port1, port2 } = new MessageChannel()
    require('node:events').setMaxListeners(0, port1)
    try {
      const { reports } = await watch(() => port1.addEventListener('job', () => {})) // the MessagePort line
      const report = reports[0]
      assert.equal(report.kind, 'listeners')
      assert.equal(report.emitter, 'MessagePort')
      assert.equal(report.eventName, 'job')
      assert.ok(report.current >= 12, `${report.current}`)
      const line = require('node:fs').readFileSync(__filename, 'utf8').split('\n').findIndex((l) => l.includes('// the MessagePort line')) + 1
      assert.match(report.addSites[0].site, new RegExp(`listeners\\.test\\.js:${line}:\\d+$`))
    } finally {
      port1.close()
      port2.close()
    }
  })

  test('listeners on process', async () => {
    const added = []
    const { reports } = await watch(() => {
      const listener = () => {}
      added.push(listener)
      process.on('leakguard-test-event', listener)
    })
    for (const l of added) process.off('leakguard-test-event', l)
    assert.equal(reports[0].emitter, 'process')
    assert.equal(reports[0].eventName, 'leakguard-test-event')
  })
})

describe('listener controls stay quiet', () => {
  test('100 stable listeners, and add/remove pairs at a high rate', async () => {
    const stable = new EventEmitter()
    stable.setMaxListeners(200)
    for (let i = 0; i < 100; i++) stable.on('config', () => {})
    const churn = new EventEmitter()
    for (let i = 0; i < 20; i++) churn.on('data', () => {})
    const { reports, stats } = await watch(
      () => {
        for (let i = 0; i < 200; i++) {
          const listener = () => {}
          churn.on('data', listener)
          churn.off('data', listener)
          stable.once('config', listener)
          stable.off('config', listener)
        }
      },
      { ms: 3000, stopAtFirst: false },
    )
    assert.deepEqual(reports, [])
    const top = stats.listeners.top
    assert.equal(top[0].emitter, 'EventEmitter')
    assert.equal(top[0].eventName, 'config')
    assert.ok(top[0].count >= 100 && top[0].count <= 101)
    assert.equal(top[0].leaking, false)
  })

  test('thousands of short-lived emitters with a few listeners each', async () => {
    const { reports, stats } = await watch(
      () => {
        for (let i = 0; i < 100; i++) {
          const request = new EventEmitter()
          for (let k = 0; k < 3; k++) request.on('end', () => {})
          const socket = new EventEmitter()
          for (let k = 0; k < 10; k++) socket.on('close', () => {})
        }
      },
      { ms: 3000, stopAtFirst: false },
    )
    assert.deepEqual(reports, [])
    // Seen busy once and never again, they are not worth tracking.
    assert.ok(stats.listeners.tracked < 200, `tracked ${stats.listeners.tracked}`)
  })

  test('listeners: false leaves EventEmitter alone', () => {
    const on = EventEmitter.prototype.on
    const guard = leakguard.start({ listeners: false })
    assert.equal(EventEmitter.prototype.on, on)
    assert.equal(guard.stats().listeners, null)
    guard.stop()
  })
})

describe('bad listener options', () => {
  for (const [value, type, code] of [
    ['yes', TypeError, 'ERR_INVALID_ARG_TYPE'],
    [null, TypeError, 'ERR_INVALID_ARG_TYPE'],
    [{ minGrowthPerMinute: -1 }, RangeError, 'ERR_OUT_OF_RANGE'],
    [{ minGrowthPerMinute: '5' }, TypeError, 'ERR_INVALID_ARG_TYPE'],
  ]) {
    test(`listeners: ${JSON.stringify(value)} throws ${code}`, () => {
      assert.throws(() => leakguard.start({ listeners: value }), (e) => e instanceof type && e.code === code && /options\.listeners/.test(e.message))
    })
  }
})
