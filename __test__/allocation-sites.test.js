'use strict'
// Heap reports name the code that allocates the growth (V8's sampling heap
// profiler, in-process), in guards and in leak checks; sampling can be
// turned off, gives way to another session that already samples, and stops
// with the guard.

const assert = require('node:assert/strict')
const inspector = require('node:inspector')
const path = require('node:path')
const { describe, test } = require('node:test')
const { Worker } = require('node:worker_threads')
const { checkLeak, start } = require('..')
const { createLimiter, lastJsonLine, runNode } = require('../scripts/spawn')

const runner = path.join(__dirname, 'fixtures', 'run-site-leak.js')
const limit = createLimiter(2)
const run = (workload, options) => limit(() => runNode([runner, workload, ...(options ? [JSON.stringify(options)] : [])], { timeoutMs: 150_000 }))

describe('a heap report names the code that allocates the growth', () => {
  const workloads = [
    ['a global array filled from a named function on a timer', 'global-array'],
    ['an async function that keeps its results', 'async-results'],
    ['a Map cache filled in an HTTP request handler', 'http-map-cache'],
    ['a closure per request kept through a helper in node_modules', 'closure-through-dependency'],
  ]
  for (const [what, workload] of workloads) {
    test(what, async () => {
      const { code, stdout, stderr } = await run(workload)
      assert.equal(code, 0, stderr)
      const { site, report, sampler } = lastJsonLine(stdout)
      assert.ok(report, `no heap report; sampler: ${JSON.stringify(sampler)}`)
      const [top] = report.allocationSites
      const shown = JSON.stringify(report.allocationSites.slice(0, 3))
      assert.ok(top, `no sites: ${report.message}`)
      assert.match(top.site, new RegExp(`^${site.file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${site.line}:\\d+$`), shown)
      assert.equal(top.functionName, site.functionName, shown)
      assert.ok(top.share >= 0.5, `share ${top.share}: ${shown}`)
      assert.ok(top.liveBytes > 0 && top.growthPerMinute > 0, shown)
      assert.ok(top.frames.some((f) => f.includes(`${site.functionName} (`) && f.includes('site-leaks.js')), shown)
      assert.match(report.message, new RegExp(`; \\d+% of the growth is allocated at .*site-leaks\\.js:${site.line}:\\d+ in ${site.functionName}$`))
      // Sampled from the suspicion on; after the report, coarsely while the leak goes on.
      assert.equal(sampler.mode, 'on-suspicion')
      assert.equal(sampler.active, true)
      assert.equal(sampler.unavailable, null)
      assert.equal(sampler.samplingInterval, 256 * 1024)
      assert.ok(sampler.windows >= 2, JSON.stringify(sampler))
      // One GC to read the sites, one to restart the window.
      assert.ok(sampler.fullGcs >= 2, JSON.stringify(sampler))
    })
  }

  test('inside a worker thread, through its own session', async () => {
    const source = `
      const { parentPort } = require('node:worker_threads')
      const leakguard = require(${JSON.stringify(path.join(__dirname, '..'))})
      const { workloads } = require(${JSON.stringify(path.join(__dirname, 'fixtures', 'site-leaks.js'))})
      const { stop, site } = workloads['global-array']()
      const guard = leakguard.start({ intervalMs: 250, onLeak(report) {
        if (report.kind !== 'heap') return
        stop()
        const sampler = guard.stats().allocationSites
        guard.stop()
        parentPort.postMessage({ site, top: report.allocationSites[0], sampler })
      } })
    `
    const worker = new Worker(source, { eval: true })
    const message = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no heap report from the worker within 120 s')), 120_000)
      worker.once('message', (m) => {
        clearTimeout(timer)
        resolve(m)
      })
      worker.once('error', reject)
    })
    await worker.terminate()
    assert.equal(message.sampler.active, true)
    assert.equal(message.top.functionName, message.site.functionName, JSON.stringify(message.top))
    assert.ok(message.top.site.endsWith(`site-leaks.js:${message.site.line}:${message.top.site.split(':').pop()}`), JSON.stringify(message.top))
  })

  test('allocationSites: false leaves reports without sites, and stats() says so', async () => {
    const { code, stdout, stderr } = await run('global-array', { allocationSites: false })
    assert.equal(code, 0, stderr)
    const { report, sampler } = lastJsonLine(stdout)
    assert.ok(report, 'the leak is still reported')
    assert.deepEqual(report.allocationSites, [])
    assert.doesNotMatch(report.message, /of the growth is allocated at/)
    assert.equal(sampler.active, false)
    assert.match(sampler.unavailable, /turned off/)
  })
})

/** A guard past its warm-up (sampling starts when warm-up ends with 'always'). */
async function warmGuard(options) {
  const { moreSamples } = require('./helpers/leaks')
  const guard = start({ intervalMs: 20, warmupSamples: 0, onLeak() {}, ...options })
  await moreSamples(guard, 5)
  return guard
}

describe('a heap report waits for its sites', () => {
  /**
   * Starts a FAST guard (allocationSites on suspicion) on a heap leak and
   * resolves when the heap detector has decided it leaks: `{ guard, reports,
   * heard }` (`heard`: the heap reports delivered by then), with `stopLeak`.
   */
  async function leakUntilDecided() {
    const { FAST, waitFor } = require('./helpers/leaks')
    const kept = []
    const reports = []
    // A site is where the allocating function is defined.
    const leak = setInterval(function growTheHeap() { // the held-report leak
      kept.push(new Array(20_000).fill(kept.length + 0.5))
    }, 10)
    const stopLeak = () => {
      clearInterval(leak)
      kept.length = 0
    }
    const guard = start({ ...FAST, onLeak: (r) => r.kind === 'heap' && reports.push(r) })
    try {
      await waitFor((done) => {
        const poll = setInterval(() => {
          if (guard.stats().memory.find((m) => m.kind === 'heap').state !== 'leaking') return
          clearInterval(poll)
          done()
        }, 5)
      }, 30_000, 'a heap leak decided')
    } catch (error) {
      stopLeak()
      guard.stop()
      throw error
    }
    return { guard, reports, heard: reports.length, stopLeak }
  }
  const leakLine = () => require('node:fs').readFileSync(__filename, 'utf8').split('\n').findIndex((l) => l.includes('// the held-report leak')) + 1

  test('a decided heap leak is held while its sampling window is young, then goes out naming the allocating line', async () => {
    const { FAST, waitFor } = require('./helpers/leaks')
    const { guard, reports, heard, stopLeak } = await leakUntilDecided()
    try {
      assert.equal(heard, 0, 'not delivered when decided: held for its sites')
      assert.equal(guard.stats().reports, 0)
      assert.equal(guard.stats().allocationSites.active, true, 'its window is open')
      await waitFor((done) => {
        const poll = setInterval(() => reports.length && (clearInterval(poll), done()), 5)
      }, 15_000 + FAST.intervalMs, 'the held heap report')
    } finally {
      stopLeak()
      guard.stop()
    }
    const report = reports[0]
    assert.ok(report.allocationSites.length > 0, JSON.stringify(report.allocationSites))
    assert.match(report.allocationSites[0].site, new RegExp(`allocation-sites\\.test\\.js:${leakLine()}:\\d+$`))
  })

  test('stop() sends a held heap report at once, with the sites sampled so far', async () => {
    const { guard, reports, heard, stopLeak } = await leakUntilDecided()
    stopLeak()
    assert.equal(heard, 0, 'held when decided')
    guard.stop()
    assert.equal(reports.length, 1, 'stop() delivered the held report')
    assert.equal(reports[0].kind, 'heap')
    assert.ok(Array.isArray(reports[0].allocationSites))
    assert.equal(guard.stats().reports, 1)
  })
})

describe('good citizenship', () => {
  test('a profiler another session already runs is left alone, and stats() says why', async () => {
    const other = new inspector.Session()
    other.connect()
    other.post('HeapProfiler.startSampling', { samplingInterval: 32768 })
    const guard = await warmGuard({ allocationSites: 'always' })
    try {
      const status = guard.stats().allocationSites
      assert.equal(status.active, false)
      assert.match(status.unavailable, /already in use by another inspector session/)
    } finally {
      guard.stop()
    }
    // The other session's sampling still runs.
    // (The in-process session answers synchronously: the callback has run when post returns.)
    let answer = null
    other.post('HeapProfiler.getSamplingProfile', (error, result) => (answer = { error, result }))
    assert.ok(answer, 'the session answered')
    assert.equal(answer.error, null)
    assert.ok(answer.result.profile.head, 'with a profile')
    other.post('HeapProfiler.stopSampling')
    other.disconnect()
  })

  test('a profiler stopped by another session: the heap report goes out without sites, and stats() says why', async () => {
    const { FAST, moreSamples, waitFor } = require('./helpers/leaks')
    const kept = []
    let leak = null
    let guard
    const other = new inspector.Session()
    other.connect()
    try {
      const report = await waitFor((done) => {
        guard = start({ ...FAST, allocationSites: 'always', onLeak: (r) => r.kind === 'heap' && done(r) })
        moreSamples(guard, FAST.warmupSamples + 1).then(() => {
          assert.equal(guard.stats().allocationSites.active, true, 'sampling runs once warm')
          let failure = 'no answer'
          other.post('HeapProfiler.stopSampling', (error) => (failure = error))
          assert.equal(failure, null, 'the other session stopped the profiler')
          leak = setInterval(() => kept.push(new Array(2500).fill(kept.length + 0.5)), 10)
        }, done)
      }, 30_000, 'heap report')
      assert.ok(!(report instanceof Error), String(report))
      assert.deepEqual(report.allocationSites, [])
      assert.doesNotMatch(report.message, /of the growth is allocated at/)
      const status = guard.stats().allocationSites
      assert.equal(status.active, false)
      assert.match(status.unavailable, /^the sampling heap profiler was stopped by someone else/)
    } finally {
      clearInterval(leak)
      kept.length = 0
      if (guard) guard.stop()
      other.disconnect()
    }
  })

  test('with confirmWithGc: false (no forced GC) sampling is off unless asked for', async () => {
    const quiet = await warmGuard({ confirmWithGc: false })
    try {
      const status = quiet.stats().allocationSites
      assert.equal(status.active, false)
      assert.match(status.unavailable, /confirmWithGc: false/)
    } finally {
      quiet.stop()
    }
    const asked = await warmGuard({ confirmWithGc: false, allocationSites: 'always' })
    try {
      assert.equal(asked.stats().allocationSites.active, true)
    } finally {
      asked.stop()
    }
    const onSuspicion = start({ confirmWithGc: false, allocationSites: true, intervalMs: 60_000 })
    assert.equal(onSuspicion.stats().allocationSites.mode, 'on-suspicion')
    onSuspicion.stop()
  })

  test('on defaults a quiet heap is not sampled: sampling waits for a suspicion', async () => {
    const guard = await warmGuard()
    try {
      const status = guard.stats().allocationSites
      assert.equal(status.mode, 'on-suspicion')
      assert.equal(status.active, false)
      assert.equal(status.windows, 0)
      assert.match(status.unavailable, /waits for a heap suspicion/)
    } finally {
      guard.stop()
    }
  })

  test("with 'always', sampling starts when warm-up ends, and stop() stops it", async () => {
    const cold = start({ intervalMs: 60_000, allocationSites: 'always' })
    assert.equal(cold.stats().allocationSites.active, false)
    assert.match(cold.stats().allocationSites.unavailable, /starts when warm-up ends/)
    cold.stop()
    const guard = await warmGuard({ allocationSites: 'always' })
    const status = guard.stats().allocationSites
    assert.equal(status.active, true)
    assert.equal(status.mode, 'always')
    assert.equal(status.samplingInterval, 256 * 1024)
    guard.stop()
    const probe = new inspector.Session()
    probe.connect()
    let failure = null
    probe.post('HeapProfiler.getSamplingProfile', (error) => (failure = error))
    probe.disconnect()
    assert.match(String(failure && failure.message), /not started/)
  })

  test('an allocationSites that is not a boolean, on-suspicion or always is a coded TypeError', () => {
    for (const bad of [1, null, {}]) {
      assert.throws(() => start({ allocationSites: bad }), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE' && /options\.allocationSites/.test(e.message))
    }
    for (const bad of ['yes', 'Always', '']) {
      assert.throws(() => start({ allocationSites: bad }), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_VALUE' && /options\.allocationSites/.test(e.message))
    }
  })
})

describe('in leak checks', () => {
  test("a heap leak's message names the function that allocates what each call keeps", async () => {
    const kept = []
    let i = 0
    function rememberOrder() {
      i++
      kept.push({ order: i, lines: ['a', 'b', 'c'].map((l) => `${l}-${i}`) })
    }
    const result = await checkLeak(rememberOrder)
    const report = result.reports.find((r) => r.kind === 'heap')
    assert.ok(report, JSON.stringify(result))
    const line = require('node:fs').readFileSync(__filename, 'utf8').split('\n').findIndex((l) => l.includes('function rememberOrder(')) + 1
    const top = report.allocationSites[0]
    assert.ok(top, report.message)
    assert.match(top.site, new RegExp(`allocation-sites\\.test\\.js:${line}:\\d+$`), JSON.stringify(report.allocationSites.slice(0, 3)))
    assert.match(report.message, new RegExp(`of the growth is allocated at .*allocation-sites\\.test\\.js:${line}:\\d+ in rememberOrder`))
  })
})

describe('leases on the one sampler', () => {
  const { COARSE_INTERVAL, CHECK_INTERVAL, SUSPICION_INTERVAL, sampler } = require('../lib/allocation-sampler')
  /** Bytes the window's sites put in functions named `name`. */
  const bytesIn = (profile, name) => {
    let total = 0
    const walk = (node) => {
      if (node.callFrame.functionName === name) total += node.selfSize
      for (const child of node.children) walk(child)
    }
    walk(profile.head)
    return total
  }

  test('each lease sees what was allocated since its own window began; the finest interval is in force while held', () => {
    const kept = []
    function keepBefore() {
      for (let i = 0; i < 20_000; i++) kept.push({ i, s: `before-${i}` })
    }
    function keepAfter() {
      for (let i = 0; i < 20_000; i++) kept.push({ i, s: `after-${i}` })
    }
    // ~1 MB a function: at 16 KiB about 60 samples each (at 256 KiB, a few,
    // and now and then none).
    const first = sampler.lease(SUSPICION_INTERVAL)
    let second = null
    try {
      assert.equal(first.status().samplingInterval, SUSPICION_INTERVAL)
      keepBefore()
      second = sampler.lease(SUSPICION_INTERVAL)
      keepAfter()
      // The same interval: the first lease's window went on while the second began.
      const firstProfile = first.profile()
      const secondProfile = second.profile()
      assert.ok(bytesIn(firstProfile, 'keepBefore') > 0, 'the first window holds what came before the second began')
      assert.ok(bytesIn(firstProfile, 'keepAfter') > 0)
      assert.equal(bytesIn(secondProfile, 'keepBefore'), 0, 'the second window holds nothing from before it began')
      assert.ok(bytesIn(secondProfile, 'keepAfter') > 0)
      assert.equal(first.windows, 1)
      // Each lease counts the full GCs it cost: one read each here, and the
      // second's mark of where its window began.
      assert.equal(first.fullGcs, 1)
      assert.equal(second.fullGcs, 2)
      // A finer lease puts its interval in force and begins every window anew.
      const fine = sampler.lease(CHECK_INTERVAL)
      assert.equal(first.status().samplingInterval, CHECK_INTERVAL)
      assert.equal(first.windows, 2)
      assert.equal(bytesIn(first.profile(), 'keepAfter'), 0, 'the restart dropped what the profiler held')
      fine.release()
      assert.equal(second.status().samplingInterval, SUSPICION_INTERVAL, 'back to the coarser interval once the finer lease is gone')
      second.release()
      assert.equal(first.active, true, 'a lease left alone keeps sampling')
      assert.equal(second.active, false)
      assert.equal(second.sites(), null)
    } finally {
      if (second) second.release()
      first.release()
    }
    assert.equal(sampler.active, false, 'the last release stops the profiler')
    kept.length = 0
  })

  // Through the public API. The check's finer interval restarts the
  // profiler, so this does not reach the ordinal marks (the test above does).
  test("a leak check beside a guard that samples: the check's sites are its own, and the guard samples on at its interval", async () => {
    const guard = await warmGuard({ allocationSites: 'always' })
    try {
      assert.equal(guard.stats().allocationSites.samplingInterval, COARSE_INTERVAL)
      const kept = []
      function keepOrder(i) {
        kept.push({ i, lines: ['a', 'b'].map((l) => `${l}-${i}`) })
      }
      let i = 0
      const result = await checkLeak(() => keepOrder(i++))
      const report = result.reports.find((r) => r.kind === 'heap')
      assert.ok(report, JSON.stringify(result))
      assert.equal(report.allocationSites[0].functionName, 'keepOrder', JSON.stringify(report.allocationSites.slice(0, 3)))
      const status = guard.stats().allocationSites
      assert.equal(status.active, true)
      assert.equal(status.samplingInterval, COARSE_INTERVAL)
      assert.ok(status.windows >= 3, `the check's finer interval began the guard's window anew, and its end again: ${JSON.stringify(status)}`)
    } finally {
      guard.stop()
    }
    assert.equal(sampler.active, false)
  })
})
