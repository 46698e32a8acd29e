'use strict'
// Heap snapshots on alert: one per leak identity, mode 0600, in the given
// directory only, the oldest pruned, skipped without the memory headroom,
// and unsafe directories refused at start.

const assert = require('node:assert/strict')
const { describePath } = require('../lib/report/describe')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { describe, test } = require('node:test')
const leakguard = require('..')
const { FAST, privateDir, waitFor } = require('./helpers/leaks')
const { runNode } = require('../scripts/spawn')


/** Grows the V8 heap ~2 MB a second until the returned stop() is called. */
function leakHeap() {
  const kept = []
  const timer = setInterval(() => kept.push(new Array(2500).fill(kept.length + 0.5)), 10)
  return () => {
    clearInterval(timer)
    kept.length = 0
  }
}

/** Runs a guard with `snapshot` on a heap leak until `n` heap reports came; returns them. */
async function heapReports(snapshot, n = 2, allocationSites = false) {
  const stop = leakHeap()
  const reports = []
  let guard
  await waitFor((done) => {
    guard = leakguard.start({ ...FAST, allocationSites, alerts: { minIntervalMs: 0, realertMs: 300 }, snapshot, onLeak: (r) => r.kind === 'heap' && reports.push(r) >= n && done() })
  }, 30_000, `${n} heap reports`).finally(() => {
    stop()
    guard.stop()
  })
  return reports
}

describe('heap snapshots on alert', () => {
  test('a heap leak gets one snapshot (not one per report), mode 0600, that parses as a V8 heap snapshot; old ones are pruned past maxFiles', async () => {
    const dir = privateDir()
    for (const [i, name] of ['leakguard-old-1.heapsnapshot', 'leakguard-old-2.heapsnapshot'].entries()) {
      fs.writeFileSync(path.join(dir, name), '{}')
      fs.utimesSync(path.join(dir, name), new Date(2020, 0, 1 + i), new Date(2020, 0, 1 + i))
    }
    fs.writeFileSync(path.join(dir, 'not-ours.txt'), 'kept')
    const reports = await heapReports({ dir, maxFiles: 2, minIntervalMs: 0 })
    const [first, ...later] = reports
    assert.ok(first.snapshot && first.snapshot.path, JSON.stringify(first.snapshot))
    // Later reports of the same leak (reminders here) take none of their own; they point at the same file.
    assert.ok(later.every((r) => r.repeat && r.snapshot.path === first.snapshot.path), JSON.stringify(later.map((r) => r.snapshot)))
    assert.equal(path.dirname(first.snapshot.path), dir)
    assert.ok(first.snapshot.pauseMs >= 0 && first.snapshot.bytes > 1000, JSON.stringify(first.snapshot))
    assert.equal(fs.statSync(first.snapshot.path).mode & 0o777, 0o600)
    const parsed = JSON.parse(fs.readFileSync(first.snapshot.path, 'utf8'))
    assert.ok(Array.isArray(parsed.snapshot.meta.node_fields) && parsed.nodes.length > 0 && parsed.strings.length > 0)
    // maxFiles 2: ours and the newer old one stay; other files are never touched.
    assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(first.snapshot.path), 'leakguard-old-2.heapsnapshot', 'not-ours.txt'].sort())
    assert.equal(first.allocationProfile, undefined, 'no sites sampled, no profile')
  })

  test('with allocation sites, the profile behind them is written beside the snapshot as a .heapprofile DevTools opens', async () => {
    const dir = privateDir()
    const [first] = await heapReports({ dir, minIntervalMs: 0 }, 1, 'on-suspicion')
    assert.ok(first.allocationSites.length > 0, JSON.stringify(first.allocationSites))
    assert.equal(path.dirname(first.allocationProfile), dir)
    assert.match(path.basename(first.allocationProfile), /^leakguard-\d+-\d+\.heapprofile$/)
    assert.equal(fs.statSync(first.allocationProfile).mode & 0o777, 0o600)
    // DevTools' Memory tab loads { head: { callFrame, selfSize, children }, samples }.
    const profile = JSON.parse(fs.readFileSync(first.allocationProfile, 'utf8'))
    assert.ok(profile.head && profile.head.callFrame && Array.isArray(profile.head.children) && Array.isArray(profile.samples), Object.keys(profile).join())
    const frames = new Set()
    const walk = (node) => {
      const f = node.callFrame
      frames.add(`${f.url.replace(/^file:\/\//, '')}:${f.lineNumber + 1}:${f.columnNumber + 1}`)
      node.children.forEach(walk)
    }
    walk(profile.head)
    assert.ok(frames.has(first.allocationSites[0].site), `${first.allocationSites[0].site} in the profile`)
  })

  test('without the memory headroom (a simulated low limit) the snapshot is skipped and the report says why', async () => {
    const dir = privateDir()
    const [first] = await heapReports({ dir, memoryLimitBytes: 64 * 1024 * 1024 }, 1)
    assert.equal(first.snapshot.path, null)
    assert.match(first.snapshot.skipped, /^not enough memory: a snapshot of a [\d.]+ MiB heap needs ~[\d.]+ MiB, and [\d.]+ (B|KiB|MiB) is left under the 64\.0 MiB limit \(options\.snapshot\.memoryLimitBytes\)$/)
    assert.deepEqual(fs.readdirSync(dir), [])
  })

  test('unsafe or unusable directories are refused at start with a coded error', () => {
    const base = privateDir()
    const link = path.join(base, 'link')
    fs.symlinkSync(privateDir(), link)
    const open = path.join(base, 'open')
    fs.mkdirSync(open)
    fs.chmodSync(open, 0o777)
    for (const [dir, why] of [
      [link, /is a symbolic link/],
      [open, /is world-writable \(mode 777\)/],
      [path.join(base, 'missing'), /cannot be used: ENOENT/],
      [__filename, /is not a directory/],
    ]) {
      assert.throws(() => leakguard.start({ snapshot: { dir } }), (e) => e.code === 'ERR_LEAKGUARD_SNAPSHOT_DIR' && why.test(e.message), String(dir))
    }
    assert.throws(() => leakguard.start({ snapshot: { dir: base, maxFiles: 0 } }), (e) => e.code === 'ERR_OUT_OF_RANGE')
  })

  test('LEAKGUARD_SNAPSHOT_DIR pointing at a symbolic link stops the preload at start-up, naming it', async () => {
    const base = privateDir()
    const link = path.join(base, 'link')
    fs.symlinkSync(privateDir(), link)
    const register = path.join(__dirname, '..', 'register.js')
    const { code, stdout, stderr } = await runNode(['-r', register, '-e', 'console.log("ran")'], { env: { LEAKGUARD_SNAPSHOT_DIR: link } })
    assert.notEqual(code, 0)
    assert.equal(stdout, '')
    assert.match(stderr, /ERR_LEAKGUARD_SNAPSHOT_DIR.*LEAKGUARD_SNAPSHOT_DIR=".*link": The snapshot directory .* is a symbolic link/)
  })

  test('a heap report is followed by a second snapshot compareAfterMs later; the pair, analysed off the main thread, names what grew and what holds it', async () => {
    const dir = privateDir()
    const stop = leakHeap()
    let guard
    const lines = []
    const write = process.stderr.write
    try {
      const result = await waitFor((done) => {
        guard = leakguard.start({ ...FAST, allocationSites: false, log: 'json', snapshot: { dir, minIntervalMs: 0, compareAfterMs: 1500 } })
        // The JSON log line is written too (log: 'json').
        process.stderr.write = function (chunk, ...rest) {
          if (String(chunk).includes('"LeakAnalysis"')) lines.push(JSON.parse(String(chunk)))
          return write.call(this, chunk, ...rest)
        }
        guard.on('analysis', done)
      }, 40_000, 'a snapshot comparison')
      assert.equal(result.report.kind, 'heap')
      assert.equal(result.files.length, 2)
      assert.equal(result.files[0], result.report.snapshot.path)
      for (const file of result.files) assert.equal(fs.statSync(file).mode & 0o777, 0o600)
      const top = result.analysis.classes[0]
      // leakHeap keeps Arrays of 2,500 numbers in its `kept` Array.
      assert.equal(top.name, 'Array')
      assert.ok(top.newObjects.count >= 10, JSON.stringify(top.newObjects))
      assert.match(describePath(top.retainerPaths[0].steps), /^Array \[\] ← Array 'kept' ← \(closure\)/)
      assert.match(result.message, /heap snapshots show [\d,]+ new Array \([\d.]+ [KM]iB retained\), (all|[\d,]+ of them) held by Array \[\] ← Array 'kept'/)
      await new Promise((resolve) => setImmediate(resolve))
      assert.equal(lines.length, 1)
      assert.equal(lines[0].code, 'LEAKGUARD_ANALYSIS')
      assert.equal(lines[0].analysis.classes[0].name, 'Array')
      assert.deepEqual(lines[0].files, result.files)
    } finally {
      process.stderr.write = write
      stop()
      guard.stop()
    }
  })

  test('a stopped guard makes no follow-up; compareAfterMs is validated', async () => {
    const dir = privateDir()
    const reports = await heapReports({ dir, minIntervalMs: 0, compareAfterMs: 300 }, 1)
    await new Promise((resolve) => setTimeout(resolve, 800))
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')), [path.basename(reports[0].snapshot.path)], 'only the report\'s own snapshot')
    assert.throws(() => leakguard.start({ snapshot: { dir, compareAfterMs: -1 } }), { code: 'ERR_OUT_OF_RANGE' })
    assert.throws(() => leakguard.start({ snapshot: { dir, compareAfterMs: '1m' } }), { code: 'ERR_INVALID_ARG_TYPE' })
  })
})

describe('the memory limit behind the snapshot headroom', () => {
  const { effectiveMemory } = require('../lib/snapshot/snapshots')
  /** A fake root with the given files under sys/fs/cgroup. */
  function fakeRoot(files) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-cgroup-'))
    for (const [name, text] of Object.entries(files)) {
      const file = path.join(root, 'sys/fs/cgroup', name)
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, text)
    }
    return root
  }

  test('cgroup v2 memory.max, with memory.current as what is used', () => {
    const root = fakeRoot({ 'memory.max': '536870912\n', 'memory.current': '104857600\n', 'memory/memory.limit_in_bytes': '1073741824\n' })
    assert.deepEqual(effectiveMemory(root), { limit: 536870912, used: 104857600, source: 'cgroup v2 memory.max' })
  })

  test("cgroup v1 memory.limit_in_bytes when v2 has none ('max'), with memory.usage_in_bytes", () => {
    const root = fakeRoot({ 'memory.max': 'max\n', 'memory/memory.limit_in_bytes': '268435456\n', 'memory/memory.usage_in_bytes': '52428800\n' })
    assert.deepEqual(effectiveMemory(root), { limit: 268435456, used: 52428800, source: 'cgroup v1 memory.limit_in_bytes' })
  })

  test("cgroup v1's huge 'no limit' number, or no cgroup files at all, fall back to physical memory", () => {
    for (const root of [fakeRoot({ 'memory/memory.limit_in_bytes': '9223372036854771712\n', 'memory/memory.usage_in_bytes': '52428800\n' }), fakeRoot({})]) {
      const memory = effectiveMemory(root)
      assert.equal(memory.source, 'physical memory')
      assert.equal(memory.limit, os.totalmem())
      assert.ok(memory.used > 0 && memory.used <= os.totalmem(), JSON.stringify(memory))
    }
  })
})

describe('guard.captureHeapSnapshot() errors', () => {
  test('no room under the memory limit throws ERR_LEAKGUARD_SNAPSHOT_MEMORY and writes nothing', () => {
    const dir = privateDir()
    const guard = leakguard.start({ snapshot: { dir, memoryLimitBytes: 1024 * 1024 } })
    try {
      assert.throws(() => guard.captureHeapSnapshot(), (e) => {
        assert.equal(e.code, 'ERR_LEAKGUARD_SNAPSHOT_MEMORY')
        assert.match(e.message, /^No heap snapshot was written: not enough memory: .* under the 1\.0 MiB limit \(options\.snapshot\.memoryLimitBytes\)$/)
        return true
      })
    } finally {
      guard.stop()
    }
    assert.deepEqual(fs.readdirSync(dir), [])
  })

  test('a directory that went away after start() throws ERR_LEAKGUARD_SNAPSHOT_WRITE with the cause attached', () => {
    const dir = privateDir()
    const guard = leakguard.start({ snapshot: { dir } })
    fs.rmSync(dir, { recursive: true })
    try {
      assert.throws(() => guard.captureHeapSnapshot(), (e) => {
        assert.equal(e.code, 'ERR_LEAKGUARD_SNAPSHOT_WRITE')
        assert.match(e.message, new RegExp(`^Writing the heap snapshot into ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} failed: ENOENT`))
        assert.equal(e.cause.code, 'ENOENT')
        return true
      })
    } finally {
      guard.stop()
    }
  })
})

describe('snapshots for listener and object reports', () => {
  /** Runs a guard with `snapshot` until a report of each of `kinds` came, making each leak with `work[kind](guard)`. */
  async function reportsOf(snapshot, work) {
    const seen = new Map()
    let guard
    let timer
    await waitFor((done) => {
      guard = leakguard.start({
        ...FAST,
        allocationSites: false,
        snapshot,
        onLeak(report) {
          const key = report.kind === 'listeners' ? `listeners:${report.eventName}` : report.kind === 'objects' ? `objects:${report.label}` : report.kind
          if (key in work && !seen.has(key)) seen.set(key, report)
          if (seen.size === Object.keys(work).length) done()
        },
      })
      timer = setInterval(() => {
        for (const [key, fn] of Object.entries(work)) if (!seen.has(key)) fn(guard)
      }, 10)
    }, 30_000, Object.keys(work).join(', ')).finally(() => {
      clearInterval(timer)
      guard.stop()
    })
    return seen
  }

  test('a listener leak and a tracked-object leak each get a heap snapshot', async () => {
    const dir = privateDir()
    const EventEmitter = require('node:events')
    const bus = new EventEmitter().setMaxListeners(0)
    const retained = []
    const seen = await reportsOf({ dir, minIntervalMs: 0, compareAfterMs: 0 }, {
      'listeners:job': () => bus.on('job', () => {}),
      'objects:session': (guard) => { for (let i = 0; i < 5; i++) retained.push(guard.track({ i }, 'session')) },
    })
    for (const report of seen.values()) {
      assert.ok(report.snapshot && report.snapshot.path, `${report.kind}: ${JSON.stringify(report.snapshot)}`)
      assert.equal(path.dirname(report.snapshot.path), dir)
      assert.equal(fs.statSync(report.snapshot.path).mode & 0o777, 0o600)
    }
    assert.notEqual(seen.get('listeners:job').snapshot.path, seen.get('objects:session').snapshot.path)
  })

  test('snapshot.minIntervalMs: a second leak inside the interval gets none, and its report says why', async () => {
    const dir = privateDir()
    const EventEmitter = require('node:events')
    const a = new EventEmitter().setMaxListeners(0)
    const b = new EventEmitter().setMaxListeners(0)
    const seen = await reportsOf({ dir, minIntervalMs: 3_600_000, compareAfterMs: 0 }, {
      'listeners:first': () => a.on('first', () => {}),
      'listeners:second': () => b.on('second', () => {}),
    })
    const shots = [...seen.values()].map((r) => r.snapshot)
    const taken = shots.filter((s) => s.path)
    const skipped = shots.filter((s) => !s.path)
    assert.equal(taken.length, 1, JSON.stringify(shots))
    assert.equal(skipped.length, 1, JSON.stringify(shots))
    assert.match(skipped[0].skipped, /^a snapshot was written \d+ s ago \(minIntervalMs 3600000\)$/)
    assert.deepEqual(fs.readdirSync(dir), [path.basename(taken[0].path)])
  })
})
