'use strict'
// Forensics before the crash: a real heap OOM under --max-old-space-size=64
// and a Buffer leak against a configured memory limit leave a private
// bundle (reports, timeline, allocation profile, stats, Node's report)
// before the process dies, and the process dies as it would have.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { test } = require('node:test')
const leakguard = require('..')
const { runNode } = require('../scripts/spawn')
const { privateDir } = require('./helpers/leaks')

const REGISTER = path.join(__dirname, '..', 'register.js')
const LEAK = path.join(__dirname, 'fixtures', 'forensics-leak.js')

function bundlesIn(dir) {
  return fs.readdirSync(dir).filter((f) => f.startsWith('leakguard-forensics-')).map((f) => path.join(dir, f))
}

/**
 * The function of `file` that allocated the most in a `.heapprofile`, each
 * allocation charged to its nearest frame in that file (a builtin such as
 * String.prototype.repeat is charged to the caller), as leakguard ranks sites.
 */
function topAllocatingFunction(profile, file) {
  const bytes = new Map()
  const walk = (node, owner) => {
    const own = node.callFrame.url.endsWith(file) ? node.callFrame.functionName || '(anonymous)' : owner
    if (own) bytes.set(own, (bytes.get(own) || 0) + node.selfSize)
    node.children.forEach((child) => walk(child, own))
  }
  walk(profile.head, null)
  return [...bytes].sort((a, b) => b[1] - a[1])[0][0]
}

/** The child's first LeakForensics JSON line (it is killed then). */
function forensicsLine(child) {
  return new Promise((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => reject(new Error(`no LeakForensics line in 90 s:\n${text.slice(-2000)}`)), 90_000)
    child.stderr.on('data', (d) => {
      text += d
      const found = text.split('\n').find((l) => l.includes('"LEAKGUARD_FORENSICS"'))
      if (found) {
        clearTimeout(timer)
        resolve(JSON.parse(found))
      }
    })
    child.on('exit', () => reject(new Error(`exited before a bundle:\n${text.slice(-2000)}`)))
  }).finally(() => child.kill('SIGKILL'))
}

test('a heap OOM: the bundle is written before V8 gives up, and the process dies as it would without leakguard', async () => {
  const dir = privateDir()
  const node = ['--max-old-space-size=64']
  const [bare, guarded] = await Promise.all([
    runNode([...node, LEAK, 'heap'], { timeoutMs: 120_000 }),
    runNode([...node, '-r', REGISTER, LEAK, 'heap'], { env: { LEAKGUARD_FORENSICS_DIR: dir, LEAKGUARD_INTERVAL_MS: '100' }, timeoutMs: 120_000 }),
  ])
  // The same death: V8's fatal out-of-memory error, the same exit.
  assert.match(bare.stderr, /JavaScript heap out of memory/)
  assert.match(guarded.stderr, /JavaScript heap out of memory/)
  assert.deepEqual([guarded.code, guarded.signal], [bare.code, bare.signal])
  // The warning with the bundle's path came before the crash. A leak this
  // fast is minutes from the limit when it is reported: the bundle is written
  // then (minMsToLimit, default 5 min), not in the last GC-bound seconds.
  const warning = /\[LEAKGUARD_FORENSICS\] LeakForensics: leakguard wrote a forensics bundle before a possible crash \((the heap limit is \d+ s away at the leak's rate|the heap is at \d+% of V8's limit)\): (\S+)/.exec(guarded.stderr)
  assert.ok(warning, guarded.stderr.slice(0, 2000))
  assert.ok(guarded.stderr.indexOf(warning[0]) < guarded.stderr.indexOf('JavaScript heap out of memory'))
  const bundle = warning[2]
  assert.ok(bundlesIn(dir).includes(bundle))
  assert.equal(fs.statSync(bundle).mode & 0o777, 0o700)
  const manifest = JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8'))
  assert.ok(['time', 'heap'].includes(manifest.trigger.reason), manifest.trigger.reason)
  // A snapshot only where the headroom check allows it, and never near V8's limit.
  const snapshot = manifest.files.includes('heap.heapsnapshot') ? ['heap.heapsnapshot'] : []
  if (manifest.trigger.reason === 'heap') assert.deepEqual(snapshot, [])
  assert.deepEqual([...manifest.files].sort(), ['allocation.heapprofile', ...snapshot, 'manifest.json', 'node-report.json', 'report.html', 'report.json', 'stats.json'].sort())
  for (const f of manifest.files) assert.equal(fs.statSync(path.join(bundle, f)).mode & 0o777, 0o600, f)
  const report = JSON.parse(fs.readFileSync(path.join(bundle, 'report.json'), 'utf8'))
  const leak = report.processes[0].leaks.find((l) => l.kind === 'heap')
  assert.ok(leak, JSON.stringify(report.processes[0].leaks.map((l) => l.kind)))
  assert.match(leak.latest.message, /^V8 heap grows/)
  assert.ok(report.processes[0].timeline.t.length > 20)
  const profile = JSON.parse(fs.readFileSync(path.join(bundle, 'allocation.heapprofile'), 'utf8'))
  assert.equal(topAllocatingFunction(profile, 'forensics-leak.js'), 'leakSessions')
  assert.equal(JSON.parse(fs.readFileSync(path.join(bundle, 'node-report.json'), 'utf8')).header.processId, manifest.pid)
  assert.ok(JSON.parse(fs.readFileSync(path.join(bundle, 'stats.json'), 'utf8')).samples > 0)
  assert.match(fs.readFileSync(path.join(bundle, 'report.html'), 'utf8'), /data-leak="heap"/)
})

test("the heap trigger: a heap that holds past heapShare of V8's limit gets a bundle, with no snapshot near the limit", async () => {
  const dir = privateDir()
  // Grows to 40 MiB of a 64 MiB old generation and holds there: 0.6 is passed, the limit never reached.
  const child = spawn(process.execPath, ['--max-old-space-size=64', '-r', REGISTER, LEAK, 'plateau', '40'], {
    env: { ...process.env, LEAKGUARD_FORENSICS_DIR: dir, LEAKGUARD_FORENSICS_HEAP_SHARE: '0.6', LEAKGUARD_FORENSICS_MIN_MS_TO_LIMIT: '1', LEAKGUARD_INTERVAL_MS: '100', LEAKGUARD_LOG: 'json' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const line = await forensicsLine(child)
  assert.equal(line.trigger.reason, 'heap')
  assert.ok(line.trigger.share >= 0.6 && line.trigger.share < 0.8, String(line.trigger.share))
  assert.equal(line.trigger.limit, 64 * 1024 * 1024)
  const manifest = JSON.parse(fs.readFileSync(path.join(line.path, 'manifest.json'), 'utf8'))
  assert.match(manifest.skipped['heap.heapsnapshot'], /near V8's limit/)
})

test('a Buffer leak against a configured memory limit leaves a bundle with the external leak', async () => {
  const dir = privateDir()
  const child = spawn(process.execPath, ['-r', REGISTER, LEAK, 'buffer'], {
    env: { ...process.env, LEAKGUARD_FORENSICS_DIR: dir, LEAKGUARD_FORENSICS_MEMORY_LIMIT_BYTES: String(400 * 1024 * 1024), LEAKGUARD_INTERVAL_MS: '100', LEAKGUARD_LOG: 'json' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const line = await forensicsLine(child)
  assert.equal(line.name, 'LeakForensics')
  assert.equal(line.trigger.reason, 'memory')
  assert.equal(line.trigger.limit, 400 * 1024 * 1024)
  assert.ok(line.trigger.share >= 0.9 && line.trigger.share < 1.2, String(line.trigger.share))
  const report = JSON.parse(fs.readFileSync(path.join(line.path, 'report.json'), 'utf8'))
  assert.ok(report.processes[0].leaks.some((l) => l.kind === 'external'), JSON.stringify(report.processes[0].leaks.map((l) => l.kind)))
  const native = report.processes[0].leaks.filter((l) => l.kind === 'native')
  assert.equal(native.length, 0, `a Buffer leak is not paged as native memory: ${JSON.stringify(native.map((l) => [l.first.at, l.first.message]))}; reports: ${JSON.stringify(report.processes[0].reports.map((r) => [r.kind, r.at]))}`)
})

test('again only when the level rises a further step, up to maxBundles; bad thresholds and directories are coded errors', async () => {
  const dir = privateDir()
  // A 1 MiB limit puts this process far past 90%, and its RSS moves by more
  // than a step of that limit between samples: bundles until maxBundles.
  const warnings = []
  const onWarning = (w) => w.name === 'LeakForensics' && warnings.push(w)
  process.on('warning', onWarning)
  const guard = leakguard.start({ intervalMs: 20, onLeak() {}, forensics: { dir, memoryLimitBytes: 1024 * 1024, maxBundles: 2 } })
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      if (guard.stats().samples >= 30) {
        clearInterval(timer)
        resolve()
      }
    }, 20)
  })
  guard.stop()
  await new Promise((resolve) => setImmediate(resolve))
  process.off('warning', onWarning)
  assert.equal(bundlesIn(dir).length, 2)
  assert.deepEqual(warnings.map((w) => [w.code, w.trigger.reason]), [['LEAKGUARD_FORENSICS', 'memory'], ['LEAKGUARD_FORENSICS', 'memory']])
  assert.ok(warnings[1].trigger.share >= warnings[0].trigger.share + 0.05, `${warnings[0].trigger.share} then ${warnings[1].trigger.share}`)
  const events = guard.report({ format: 'json' }).processes[0].timeline.events.filter((e) => e.type === 'forensics')
  assert.equal(events.length, 2)

  for (const [forensics, code] of [
    [{ dir, heapShare: 1.5 }, 'ERR_OUT_OF_RANGE'],
    [{ dir, heapShare: 0 }, 'ERR_OUT_OF_RANGE'],
    [{ dir, memoryShare: 1 }, 'ERR_OUT_OF_RANGE'],
    [{ dir, heapShare: '0.9' }, 'ERR_INVALID_ARG_TYPE'],
    [{ dir, minMsToLimit: -5 }, 'ERR_OUT_OF_RANGE'],
    [{ heapShare: 0.9 }, 'ERR_INVALID_ARG_TYPE'],
    [{ dir: path.join(dir, 'missing') }, 'ERR_LEAKGUARD_FORENSICS_DIR'],
    [{ dir: os.tmpdir() }, 'ERR_LEAKGUARD_FORENSICS_DIR'],
  ]) {
    assert.throws(() => leakguard.start({ forensics }), { code }, JSON.stringify(forensics))
  }
})

test('the preload names the variable behind a bad threshold; a directory gone later is a warning, never a crash', async () => {
  const dir = privateDir()
  const bad = await runNode(['-r', REGISTER, '-e', '1'], { env: { LEAKGUARD_FORENSICS_DIR: dir, LEAKGUARD_FORENSICS_HEAP_SHARE: '1.5' } })
  assert.notEqual(bad.code, 0)
  assert.match(bad.stderr, /RangeError \[ERR_OUT_OF_RANGE\]: LEAKGUARD_FORENSICS_HEAP_SHARE="1\.5"/)
  const nan = await runNode(['-r', REGISTER, '-e', '1'], { env: { LEAKGUARD_FORENSICS_DIR: dir, LEAKGUARD_FORENSICS_MEMORY_SHARE: 'most' } })
  assert.match(nan.stderr, /\[ERR_OUT_OF_RANGE\]: The value of "LEAKGUARD_FORENSICS_MEMORY_SHARE"/)
  const alone = await runNode(['-r', REGISTER, '-e', '1'], { env: { LEAKGUARD_FORENSICS_HEAP_SHARE: '0.9' } })
  assert.match(alone.stderr, /LEAKGUARD_FORENSICS_HEAP_SHARE="0\.9": .*LEAKGUARD_FORENSICS_DIR/)
  // The directory disappears after start: the bundle cannot be written; the app goes on.
  const gone = path.join(dir, 'gone')
  fs.mkdirSync(gone, { mode: 0o700 })
  const script = `
    const fs = require('fs')
    const guard = require(${JSON.stringify(REGISTER)})
    fs.rmSync(${JSON.stringify(gone)}, { recursive: true })
    const alive = setInterval(() => {}, 1000)
    process.on('warning', (w) => { if (w.code === 'LEAKGUARD_FORENSICS_FAILED') { console.log('warned:', w.message); guard.stop(); clearInterval(alive) } })`
  const r = await runNode(['-e', script], { env: { LEAKGUARD_FORENSICS_DIR: gone, LEAKGUARD_FORENSICS_MEMORY_LIMIT_BYTES: '1048576', LEAKGUARD_INTERVAL_MS: '20' }, timeoutMs: 30_000 })
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /^warned: leakguard could not write its forensics bundle: ENOENT/)
})
