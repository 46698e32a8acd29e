'use strict'
// What grew and who holds it: a real process leaks Carts into a Map held by
// a module-level closure; `leakguard analyze` (the CLI), analyzeHeapSnapshots
// and checkLeak name the class and a retainer path through that Map. Bad
// input (missing, truncated, foreign files, snapshots out of order or from
// two programs, bad flags) gets one clear line and a non-zero exit, or a
// coded rejection.

const assert = require('node:assert/strict')
const { describePath } = require('../lib/report/describe')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { before, after, describe, test } = require('node:test')
const leakguard = require('..')
const { runNode } = require('../scripts/spawn')
const { makeRegistry } = require('./fixtures/registry')
const { privateDir } = require('./helpers/leaks')
const { writeSyntheticSnapshot } = require('../bench/synthetic-snapshot')

const CLI = path.join(__dirname, '..', 'bin', 'leakguard.js')
const APP = path.join(__dirname, 'fixtures', 'registry-leak-app.js')


/** Runs the leaking app (with node `flags`); resolves its three snapshot files, oldest first. */
async function leakSnapshots(dir, flags = []) {
  const { code, stdout, stderr } = await runNode([...flags, APP, dir], { timeoutMs: 60_000 })
  assert.equal(code, 0, stderr)
  return JSON.parse(stdout).map((shot) => shot.path)
}

/** Snapshots of a process that is not the leaking app (another program). */
async function otherProgramSnapshot(dir) {
  const script = `const v8 = require('node:v8'); const kept = []; for (let i = 0; i < 20000; i++) kept.push({ i, s: 'x' + i }); process.stdout.write(v8.writeHeapSnapshot(${JSON.stringify(path.join(dir, 'other.heapsnapshot'))}))`
  const { code, stdout, stderr } = await runNode(['-e', script])
  assert.equal(code, 0, stderr)
  return stdout
}

function cli(args) {
  return runNode([CLI, ...args], { timeoutMs: 60_000 })
}

describe('leakguard analyze on snapshots of a leaking process', () => {
  let dir
  let files
  before(async () => {
    dir = privateDir()
    files = await leakSnapshots(dir)
  })
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('guard.captureHeapSnapshot() writes mode 0600 files into the snapshot directory and says how long the app paused', () => {
    assert.equal(files.length, 3)
    for (const file of files) {
      assert.equal(path.dirname(file), dir)
      assert.equal(fs.statSync(file).mode & 0o777, 0o600)
    }
    assert.deepEqual(fs.readdirSync(dir).sort(), files.map((f) => path.basename(f)).sort(), 'no temporary files are left behind')
  })

  test('three snapshots: the CLI names Cart (500 new and still alive) and the path through the Map', async () => {
    const { code, stdout, stderr } = await cli(['analyze', ...files])
    assert.equal(code, 0, stderr)
    const cartLine = stdout.split('\n').find((l) => l.trim().startsWith('Cart:'))
    assert.ok(cartLine, stdout)
    assert.match(cartLine, /\+500 new/)
    assert.match(stdout, /500 × Cart \[\] ← Map 'carts' ← \(closure\) add \(.*registry\.js:\d+:\d+\)/, stdout)
    assert.equal(stdout.trim().split('\n').find((l) => /^\s{2}\S/.test(l)).trim().split(':')[0], 'Cart', `Cart ranks first:\n${stdout}`)
  })

  test('--json prints the analysis as data; the same as analyzeHeapSnapshots resolves', async () => {
    const { code, stdout, stderr } = await cli(['analyze', files[0], files[1], files[2], '--json', '--top', '3', '--paths', '1'])
    assert.equal(code, 0, stderr)
    const printed = JSON.parse(stdout)
    const analysis = await leakguard.analyzeHeapSnapshots(files, { top: 3, paths: 1 })
    for (const result of [printed, analysis]) {
      assert.equal(result.snapshots.length, 3)
      assert.ok(result.classes.length <= 3)
      const cart = result.classes[0]
      assert.equal(cart.name, 'Cart')
      assert.deepEqual([cart.base.count, cart.target.count, cart.last.count], [100, 600, 1100])
      assert.equal(cart.newObjects.count, 500)
      assert.ok(cart.newObjects.retainedSize > cart.newObjects.selfSize, 'each Cart retains its id and items')
      assert.equal(cart.retainerPaths.length, 1)
      assert.equal(cart.retainerPaths[0].count, 500)
      assert.ok(cart.retainerPaths[0].steps.some((s) => s.class === 'Map' && s.edgeKind === 'variable' && s.edgeName === 'carts'), JSON.stringify(cart.retainerPaths[0]))
    }
    assert.deepEqual(printed.classes.map((c) => c.name), analysis.classes.map((c) => c.name))
  })

  test('two snapshots: what is new in the second; one snapshot: classes by retained size', async () => {
    const two = await leakguard.analyzeHeapSnapshots([files[0], files[1]])
    assert.equal(two.classes[0].name, 'Cart')
    assert.equal(two.classes[0].newObjects.count, 500)
    const one = await leakguard.analyzeHeapSnapshots(files[2])
    assert.equal(one.newObjects, undefined)
    const cart = one.classes.find((c) => c.name === 'Cart')
    assert.ok(cart, one.classes.map((c) => c.name).join(', '))
    assert.equal(cart.target.count, 1100)
    const { code, stdout } = await cli(['analyze', files[2]])
    assert.equal(code, 0)
    assert.match(stdout, /Classes by retained size:/)
  })

  test('the analysis runs off the main thread: the event loop keeps turning while it runs, and progress is reported', async () => {
    // A pair large enough to take a while (a 23 MB target). Counted in
    // event-loop turns, not time: a blocking call would let none run before
    // it returns, whatever the machine's speed.
    const big = [path.join(dir, 'big-base.heapsnapshot'), path.join(dir, 'big-target.heapsnapshot')]
    writeSyntheticSnapshot(big[0], { bodyNodes: 300_000 })
    writeSyntheticSnapshot(big[1], { bodyNodes: 300_000, leaked: 5000, target: true })
    let turns = 0
    let pending = true
    const turn = () => {
      if (!pending) return
      turns++
      setImmediate(turn)
    }
    const seen = []
    const analysing = leakguard.analyzeHeapSnapshots(big, { onProgress: (p) => seen.push(p) })
    setImmediate(turn)
    const analysis = await analysing.finally(() => (pending = false))
    assert.equal(analysis.classes[0].name, 'Cart')
    assert.ok(turns >= 3, `${turns} event-loop turns while ${fs.statSync(big[1]).size} bytes were analysed`)
    assert.ok(seen.length >= 2, 'a first and a last progress report')
    assert.equal(seen.at(-1).phase, 'done')
    assert.equal(seen.at(-1).bytesRead, seen.at(-1).totalBytes)
    assert.equal(seen.at(-1).totalBytes, big.reduce((sum, f) => sum + fs.statSync(f).size, 0))
    for (const f of big) fs.rmSync(f)
    const { stderr } = await cli(['analyze', ...files, '--progress'])
    assert.match(stderr, /reading base, target, final: .* of .* \(\d+ %\)/, stderr)
  })

  test('snapshots taken with allocation tracking (node --track-heap-objects) also say which function allocated them', async () => {
    const tracked = privateDir()
    try {
      const shots = await leakSnapshots(tracked, ['--track-heap-objects'])
      const { code, stdout, stderr } = await cli(['analyze', ...shots, '--top', '1'])
      assert.equal(code, 0, stderr)
      assert.match(stdout, /allocated at add \(.*registry\.js:\d+:\d+\) ×500/, stdout)
      const analysis = await leakguard.analyzeHeapSnapshots(shots, { top: 1 })
      assert.equal(analysis.classes[0].allocatedAt[0].count, 500)
      // Without tracking there is nothing to say, and nothing is said.
      const plain = await leakguard.analyzeHeapSnapshots(files, { top: 1 })
      assert.deepEqual(plain.classes[0].allocatedAt, [])
    } finally {
      fs.rmSync(tracked, { recursive: true, force: true })
    }
  })

  test('bad input: one line on stderr and a non-zero exit, naming the file and the byte', async () => {
    const truncated = path.join(dir, 'truncated.heapsnapshot')
    fs.writeFileSync(truncated, fs.readFileSync(files[0]).subarray(0, 50_000))
    const notSnapshot = path.join(dir, 'notes.txt')
    fs.writeFileSync(notSnapshot, 'hello')
    const wrongJson = path.join(dir, 'wrong.heapsnapshot')
    fs.writeFileSync(wrongJson, '{"snapshot":{"meta":{}},"nodes":[]}')
    const other = await otherProgramSnapshot(dir)
    const cases = [
      [['analyze', path.join(dir, 'missing.heapsnapshot')], 1, /missing\.heapsnapshot: cannot open the file: no such file/],
      [['analyze', dir], 1, /is a directory/],
      [['analyze', truncated], 1, /truncated\.heapsnapshot at byte 50000: /],
      [['analyze', notSnapshot], 1, /notes\.txt at byte 0: not a heap snapshot/],
      [['analyze', wrongJson], 1, /wrong\.heapsnapshot at byte \d+: not a heap snapshot: the meta has no 'node_fields' list/],
      [['analyze', files[1], files[0]], 1, /was taken before .*: give the snapshots oldest first/],
      [['analyze', files[0], other], 1, /other\.heapsnapshot: does not come from the same process as .*: object ids don't line up/],
      [['analyze', files[0], '--top', 'x'], 2, /--top needs a whole number from 1 to 1000, not 'x'/],
      [['analyze', files[0], '--frobnicate'], 2, /unknown option '--frobnicate'/],
      [['analyze'], 2, /analyze needs one to three snapshot files/],
      [['analyze', ...files, files[0]], 2, /at most three snapshot files/],
      [['inspect', files[0]], 2, /unknown command 'inspect'/],
    ]
    for (const [args, exit, message] of cases) {
      const { code, stdout, stderr } = await cli(args)
      assert.equal(code, exit, `${args.join(' ')}: ${stderr}`)
      assert.equal(stdout, '')
      const lines = stderr.trim().split('\n')
      assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${stderr}`)
      assert.match(lines[0], /^leakguard: /)
      assert.match(lines[0], message)
    }
    const help = await cli(['--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /leakguard analyze <base>/)
  })

  test('the JS API rejects with coded errors', async () => {
    const reject = (files, options, code) => assert.rejects(leakguard.analyzeHeapSnapshots(files, options), (e) => e.code === code || assert.fail(`${e.code}: ${e.message}`))
    await reject(42, undefined, 'ERR_INVALID_ARG_TYPE')
    await reject([], undefined, 'ERR_INVALID_ARG_VALUE')
    await reject([files[0], files[1], files[2], files[0]], undefined, 'ERR_INVALID_ARG_VALUE')
    await reject([files[0], 7], undefined, 'ERR_INVALID_ARG_TYPE')
    await reject(files, { top: 0 }, 'ERR_OUT_OF_RANGE')
    await reject(files, { paths: 1.5 }, 'ERR_OUT_OF_RANGE')
    await reject(files, { onProgress: 'yes' }, 'ERR_INVALID_ARG_TYPE')
    await reject(files, null, 'ERR_INVALID_ARG_TYPE')
    const missing = path.join(dir, 'nope.heapsnapshot')
    await assert.rejects(leakguard.analyzeHeapSnapshots([files[0], missing]), (e) => {
      assert.equal(e.code, 'ERR_LEAKGUARD_SNAPSHOT_READ')
      assert.equal(e.file, missing)
      return true
    })
    const truncated = path.join(dir, 'cut.heapsnapshot')
    fs.writeFileSync(truncated, fs.readFileSync(files[1]).subarray(0, 12_345))
    await assert.rejects(leakguard.analyzeHeapSnapshots([files[0], truncated]), (e) => {
      assert.equal(e.code, 'ERR_LEAKGUARD_SNAPSHOT_INVALID')
      assert.equal(e.file, truncated)
      assert.equal(e.offset, 12_345)
      return true
    })
    await assert.rejects(leakguard.analyzeHeapSnapshots([files[2], files[0]]), { code: 'ERR_LEAKGUARD_SNAPSHOT_MISMATCH' })
  })

  test('an onProgress that throws ends the progress calls and rejects the analysis with its error, never an uncaught exception', async () => {
    const bug = new Error('progress bar bug')
    let calls = 0
    const first = leakguard.analyzeHeapSnapshots(files, {
      onProgress: () => {
        calls++
        throw bug
      },
    })
    await assert.rejects(first, (e) => e === bug)
    assert.equal(calls, 1)
    // One that throws only on the last report ('done') rejects too.
    const phases = []
    const last = leakguard.analyzeHeapSnapshots(files, {
      onProgress: (p) => {
        phases.push(p.phase)
        if (p.phase === 'done') throw bug
      },
    })
    await assert.rejects(last, (e) => e === bug)
    assert.equal(phases.at(-1), 'done')
  })
})

describe('guard.captureHeapSnapshot() misuse', () => {
  test('no directory to write to, or an unsafe one, is a coded error', () => {
    const guard = leakguard.start({ log: 'off' })
    try {
      assert.throws(() => guard.captureHeapSnapshot(), { code: 'ERR_INVALID_ARG_TYPE' })
      assert.throws(() => guard.captureHeapSnapshot({ dir: 5 }), { code: 'ERR_INVALID_ARG_TYPE' })
      assert.throws(() => guard.captureHeapSnapshot('dir'), { code: 'ERR_INVALID_ARG_TYPE' })
      assert.throws(() => guard.captureHeapSnapshot({ dir: path.join(os.tmpdir(), 'leakguard-no-such-dir') }), { code: 'ERR_LEAKGUARD_SNAPSHOT_DIR' })
      const open = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-open-'))
      fs.chmodSync(open, 0o777)
      assert.throws(() => guard.captureHeapSnapshot({ dir: open }), /world-writable/)
      fs.rmSync(open, { recursive: true })
    } finally {
      guard.stop()
    }
  })
})

describe('checkLeak names what each call keeps', () => {
  test('a leak into the Map: the result and the message name Cart, one per call, and the path through the Map', async () => {
    const registry = makeRegistry()
    let next = 0
    // The snapshot must fit in the check's budget: a leaky heap's takes seconds.
    const result = await leakguard.checkLeak(() => registry.add(next++), { timeoutMs: 30_000 })
    assert.equal(result.leaked, true)
    const heap = result.reports.find((r) => r.kind === 'heap')
    assert.ok(heap, JSON.stringify(result.reports))
    const growth = heap.heapGrowth
    assert.ok(growth && !growth.skipped, JSON.stringify(growth))
    // The snapshot pauses the process, and analysing it takes time: both are measured.
    assert.ok(growth.calls >= 20 && growth.pauseMs > 0 && growth.analysisMs > 0, JSON.stringify(growth))
    const top = growth.classes[0]
    assert.equal(top.name, 'Cart')
    assert.ok(Math.abs(top.perCall - 1) < 0.05, `${top.perCall} Carts a call`)
    assert.ok(top.retainedBytesPerCall > top.bytesPerCall)
    assert.match(describePath(top.retainerPaths[0].steps), /^Cart \[\] ← Map 'carts' ← \(closure\) add/)
    assert.match(heap.message, /each call keeps 1 Cart \(\d+ B retained\), held by Cart \[\] ← Map 'carts' ← \(closure\) add \(.*registry\.js:\d+:\d+\)/)
    // The path ends before the check's own frames (the loop that calls the function).
    assert.ok(growth.classes.every((c) => c.retainerPaths.every((p) => !describePath(p.steps).includes(path.join(__dirname, '..', 'lib')))), JSON.stringify(growth.classes[0].retainerPaths))
    await assert.rejects(
      leakguard.assertNoLeak(
        function addCart() {
          registry.add(next++)
        },
        { timeoutMs: 30_000 },
      ),
      (e) => e.code === 'ERR_LEAKGUARD_LEAK_DETECTED' && /addCart\(\) leaks: .*held by Cart \[\] ← Map 'carts'/.test(e.message),
    )
  })

  test('snapshots that would not fit in what is left of timeoutMs are skipped, and heapGrowth says why', async () => {
    const registry = makeRegistry()
    let next = 0
    // A heap made big beforehand, by one large array: the check's full GCs
    // stay quick (one object to mark), while a snapshot of a ~96 MiB heap
    // and its analysis are estimated at ~8 s, more than the whole 5 s
    // budget: skipped by the estimate, however fast the rounds ran.
    const ballast = new Array(12_000_000).fill(1)
    const result = await leakguard.checkLeak(() => registry.add(next++), { timeoutMs: 5000 })
    assert.equal(ballast.length, 12_000_000)
    const heap = result.reports.find((r) => r.kind === 'heap')
    assert.ok(heap, JSON.stringify({ reports: result.reports, undecided: result.undecided, rounds: result.rounds }))
    assert.match(heap.heapGrowth.skipped, /^a heap snapshot of this [\d.]+ MiB heap would take ~[\d.]+ (ms|s), and the check's timeoutMs leaves [\d.]+ (ms|s): raise timeoutMs to have it$/)
  })

  test('heapSnapshots: false leaves snapshots out; a clean function takes none', async () => {
    // Every snapshot leakguard takes goes through v8.writeHeapSnapshot: count them.
    const v8 = require('node:v8')
    const write = v8.writeHeapSnapshot
    let written = 0
    v8.writeHeapSnapshot = (...args) => {
      written++
      return write.apply(v8, args)
    }
    try {
      const registry = makeRegistry()
      let next = 0
      const result = await leakguard.checkLeak(() => registry.add(next++), { heapSnapshots: false })
      const heap = result.reports.find((r) => r.kind === 'heap')
      assert.ok(heap)
      assert.equal(heap.heapGrowth, undefined)
      assert.doesNotMatch(heap.message, /each call keeps/)
      assert.equal(written, 0, 'heapSnapshots: false took a snapshot')
      const clean = await leakguard.checkLeak(() => new Map([[1, 2]]).size)
      assert.equal(clean.leaked, false)
      assert.equal(written, 0, 'a clean function took a snapshot')
      // The counter counts: a leak with snapshots on takes one (heap-object
      // tracking during its calls tells what they kept without a second).
      const leaky = await leakguard.checkLeak(() => registry.add(next++), { timeoutMs: 30_000 })
      assert.ok(leaky.reports.find((r) => r.kind === 'heap').heapGrowth.pauseMs > 0)
      assert.equal(written, 1)
    } finally {
      v8.writeHeapSnapshot = write
    }
    await assert.rejects(leakguard.checkLeak(() => 1, { heapSnapshots: 'yes' }), { code: 'ERR_INVALID_ARG_TYPE' })
  })
})
