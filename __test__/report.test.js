'use strict'
// The report model, its sentences (golden), the JSON log reader, the HTML
// page (escaping, a real Chromium), `leakguard run` / `leakguard report`,
// `guard.report()` and LEAKGUARD_REPORT_DIR.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { test, describe: suite } = require('node:test')
const leakguard = require('..')
const { runNode } = require('../scripts/spawn')
const { moreSamples } = require('./helpers/leaks')
const { describe, describeAnalysis, describeCheckFailure, describeCheckReport } = require('../lib/report/describe')
const { documentFromLog } = require('../lib/report/document')
const { renderHtml } = require('../lib/report/html')
const { Timeline } = require('../lib/report/timeline')

const CLI = path.join(__dirname, '..', 'bin', 'leakguard.js')
const t0 = 1_790_000_000_000
const samples = [
  { at: t0, value: 10 * 1048576 },
  { at: t0 + 30_000, value: 13 * 1048576 },
]
const heap = {
  kind: 'heap',
  identity: 'heap',
  severity: 'medium',
  escalatedFrom: null,
  growthPerMinute: 6 * 1048576,
  current: 13 * 1048576,
  heapLimit: 4096 * 1048576,
  msUntilLimit: 4083 * 10_000,
  samples,
  detectedAt: t0 + 30_000,
  trend: { startAt: t0, startValue: 10 * 1048576, endAt: t0 + 30_000, endValue: 13 * 1048576 },
}
const site = (functionName, share) => ({ site: '/app/src/store.js:5:23', functionName, share, liveBytes: 1e6, growthPerMinute: 2e6, frames: [] })

function tmpDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-report-test-'))
}

suite('one describe() writes every sentence (golden)', () => {
  test('memory kinds: a named site, an anonymous site, no site, escalation, a reminder', () => {
    assert.equal(
      describe({ ...heap, allocationSites: [site('createSession', 0.85)] }),
      "V8 heap grows 6.0 MiB/min over 30 s and keeps it after full GCs (now 13.0 MiB); look for globals, caches and closures that only grow; the heap limit (4.0 GiB) is reached in ~11.3 h at this rate; 85% of the growth is allocated at /app/src/store.js:5:23 in createSession",
    )
    // An anonymous function (a timer callback in an ESM module) is named as such, never "undefined".
    const anonymous = describe({ ...heap, allocationSites: [site('<anonymous>', 1)] })
    assert.match(anonymous, /100% of the growth is allocated at \/app\/src\/store\.js:5:23 in an anonymous function$/)
    assert.doesNotMatch(anonymous, /undefined/)
    // No site, or a top site under 40% of the growth: no site clause.
    assert.doesNotMatch(describe({ ...heap, allocationSites: [] }), /allocated at/)
    assert.doesNotMatch(describe({ ...heap, allocationSites: [site('f', 0.2)] }), /allocated at/)
    assert.match(describe({ ...heap, severity: 'high', escalatedFrom: 'medium' }), / \(escalated from medium to high\)$/)
    assert.match(describe({ ...heap, repeat: true, leakingForMs: 150_000 }), / \(still leaking after 3 min\)$/)
    const external = { ...heap, kind: 'external', identity: 'external', heapLimit: null, msUntilLimit: null }
    assert.equal(describe(external), 'External memory (Buffers, ArrayBuffers) grows 6.0 MiB/min over 30 s and keeps it after full GCs (now 13.0 MiB); look for Buffers or typed arrays held in long-lived arrays, maps or closures')
    assert.equal(describe({ ...external, kind: 'native', identity: 'native' }), 'Native memory outside V8 grows 6.0 MiB/min over 30 s and keeps it after full GCs (now 13.0 MiB); heap snapshots will not show it: suspect a native addon or module that allocates without freeing')
  })

  test('a worker thread\'s heap report reads like the main thread\'s, with its own site', () => {
    const worker = describe({ ...heap, threadId: 1, allocationSites: [{ ...site('fillCache', 0.9), site: '/app/worker.js:7:3' }] })
    assert.match(worker, /90% of the growth is allocated at \/app\/worker\.js:7:3 in fillCache$/)
  })

  test('listeners and objects', () => {
    const listeners = { kind: 'listeners', identity: 'listeners:Server:request', severity: 'low', growthPerMinute: 1200, current: 125, emitter: 'Server', eventName: 'request', addSites: [{ site: '/app/server.js:42:10', count: 24, frames: [] }], sampledAdds: 24 }
    assert.equal(describe(listeners), "Server has 125 'request' listeners, growing 1,200/min: added at /app/server.js:42:10 (100% of sampled adds) and never removed; remove them when done, or add them with once() (EventTarget: { once: true })")
    assert.equal(describe({ ...listeners, addSites: [] }), "Server has 125 'request' listeners, growing 1,200/min; remove them when done, or add them with once() (EventTarget: { once: true })")
    const objects = { kind: 'objects', identity: 'objects:request', reason: 'growing', severity: 'low', growthPerMinute: 1200, current: 300, created: 400, collected: 100, label: 'request', creationSites: [{ site: '/app/server.js:7:3', count: 30, frames: [] }], sampledCreations: 40 }
    assert.equal(describe(objects), "'request' objects pile up: 300 alive (400 created, 100 collected), growing 1,200/min and surviving full GCs; most created at /app/server.js:7:3 (30 of 40 sampled): something keeps them reachable after use")
    const overdue = { kind: 'objects', identity: 'objects:socket:overdue', reason: 'overdue', label: 'socket', ageMs: 3200, withinMs: 1000, creationSites: [] }
    assert.equal(describe(overdue), "A 'socket' object expected to be collected within 1.0 s is still alive after 3.2 s and two full GCs; created at an unknown site: something still references it (a closure, a cache, a listener, a timer)")
  })

  test('resolutions, analysis follow-ups and checks', () => {
    assert.equal(describe({ kind: 'listeners', resolved: true, emitter: 'Server', eventName: 'request', severity: 'low', durationMs: 42_000 }), "Listener growth on Server 'request' stopped: no longer reported as leaking, 42 s after it was first reported (last seen at low severity)")
    const steps = [
      { class: 'Object', edgeKind: 'element', edgeName: '' },
      { class: 'Map', edgeKind: 'variable', edgeName: 'sessions' },
      { class: '(closure)', function: 'createSession', location: '/app/store.js:5:23', edgeKind: 'property', edgeName: 'createSession' },
      { class: '(GC roots)' },
    ]
    const analysis = { classes: [{ name: 'Object', newObjects: { count: 500, retainedSize: 352_000 }, retainerPaths: [{ count: 500, steps }] }] }
    assert.equal(
      describeAnalysis({ report: { message: 'M' }, analysis, files: ['a.heapsnapshot', 'b.heapsnapshot'] }),
      "M; heap snapshots show 500 new Object (343.8 KiB retained), all held by Object [] ← Map 'sessions' ← (closure) createSession (/app/store.js:5:23) .createSession ← (GC roots) (snapshots a.heapsnapshot, b.heapsnapshot)",
    )
    assert.equal(describeAnalysis({ report: { message: 'M' }, error: 'ENOSPC', files: [] }), 'M; the heap snapshots could not be compared: ENOSPC')
    // A top site that is not the holder's function may be a caller V8 inlined it into: said plainly.
    const inlined = { message: 'M', allocationSites: [site('<anonymous>', 0.93)] }
    assert.match(describeAnalysis({ report: inlined, analysis, files: ['a', 'b'] }), /; the top allocation site, an anonymous function \(\/app\/src\/store\.js:5:23\), may be a caller V8 inlined createSession \(\/app\/store\.js:5:23\) into \(snapshots a, b\)$/)
    assert.doesNotMatch(describeAnalysis({ report: { message: 'M', allocationSites: [{ ...site('createSession', 0.93), site: '/app/store.js:5:23' }] }, analysis, files: ['a'] }), /inlined/)
    const check = { kind: 'heap', perCall: 812.4, heapGrowth: { classes: [{ name: 'Cart', perCall: 1, retainedBytesPerCall: 128, retainerPaths: [{ count: 10, steps: steps.slice(0, 2) }] }] }, allocationSites: [site('add', 0.9)] }
    check.message = describeCheckReport(check, 3000)
    assert.equal(check.message, "heap grew ~812 bytes per call over 3,000 calls; each call keeps 1 Cart (128 B retained), held by Object [] ← Map 'sessions'; 90% of the growth is allocated at /app/src/store.js:5:23 in add")
    // A heap leak nothing explained says why (the budget ran out), not nothing.
    const skipped = "a heap snapshot of this 49.5 MiB heap would take ~4.2 s, and the check's timeoutMs leaves 0.3 s: raise timeoutMs to have it"
    assert.equal(describeCheckReport({ kind: 'heap', perCall: 283, heapGrowth: { calls: 20, skipped }, allocationSites: [] }, 1274), `heap grew ~283 bytes per call over 1,274 calls; what each call keeps is not shown: ${skipped}`)
    assert.equal(describeCheckReport({ kind: 'heap', perCall: 283, heapGrowth: { calls: 20, skipped }, allocationSites: [site('add', 0.9)] }, 1274), 'heap grew ~283 bytes per call over 1,274 calls; 90% of the growth is allocated at /app/src/store.js:5:23 in add')
    assert.equal(describeCheckReport({ kind: 'handles', perCall: 0.1 }, 800), 'active handles grew one every ~10 calls over 800 calls')
    assert.equal(describeCheckReport({ kind: 'listeners', perCall: 1, emitter: 'EventEmitter', eventName: 'evt', addSite: '/app/a.js:1:2' }, 800), "listeners grew ~1.0 per call over 800 calls (EventEmitter 'evt', added at /app/a.js:1:2)")
    assert.equal(describeCheckFailure('handle', { reports: [check] }), `handle() leaks: ${check.message}`)
  })
})

/** JSON lines as a guard writes them, for `pid`. */
function logLines(pid, { name = 'Session', hostname = 'web-1' } = {}) {
  const base = { pid, hostname, threadId: 0, time: new Date(t0).toISOString() }
  const report = { ...heap, message: describe({ ...heap, allocationSites: [site(name, 0.9)] }), allocationSites: [site(name, 0.9)], allocationStacks: [{ frames: ['main (/app/a.js:1:1)', `${name} (/app/b.js:2:2)`], bytes: 1000 }] }
  return [
    { ...base, code: 'LEAKGUARD_START', name: 'LeakguardStarted', context: { node: 'v20', startedAt: t0, heapLimit: 4e9, options: { intervalMs: 500 } } },
    { ...base, code: 'LEAKGUARD_TIMELINE', timeline: { t0, dt: [0, 10_000, 20_000, 30_000], heap: [10e6, 11e6, 12e6, 13e6], external: [1, 1, 1, 1], native: [null, null, null, null], listeners: [0, 0, 0, 0], events: [{ at: t0 + 30_000, type: 'report', kind: 'heap', identity: 'heap' }] } },
    { ...base, code: 'LEAKGUARD_LEAK', name: 'LeakWarning', message: report.message, report },
  ].map((l) => JSON.stringify(l))
}

suite('leakguard report: JSON log lines from many processes', () => {
  test('lines are grouped by host, pid and thread; broken and foreign lines are skipped and counted', () => {
    const a = logLines(101)
    const b = logLines(202, { hostname: 'web-2' })
    const text = [a[0], b[0], 'GET /health 200', a[1], '{"truncated": ', b[1], a[2], `2026-12-02T10:00:00Z stderr F ${b[2]}`, '{"code":"LEAKGUARD_TIMELINE","pid":5,"timeline":{"t0":"x"}}'].join('\n')
    const doc = documentFromLog(text, { source: 'test' })
    assert.deepEqual(doc.processes.map((p) => [p.host, p.pid]), [['web-1', 101], ['web-2', 202]])
    assert.equal(doc.skippedLines, 3)
    for (const p of doc.processes) {
      assert.equal(p.timeline.t.length, 4)
      assert.equal(p.leaks.length, 1)
      assert.equal(p.leaks[0].identity, 'heap')
    }
    const html = renderHtml(doc)
    assert.match(html, /data-skipped="3"/)
    assert.match(html, /3 lines were skipped/)
  })

  test('an empty log says there was nothing to show', async () => {
    const dir = tmpDir()
    fs.writeFileSync(path.join(dir, 'empty.jsonl'), 'not json\n')
    const out = path.join(dir, 'r.html')
    const { code, stderr } = await runNode([CLI, 'report', path.join(dir, 'empty.jsonl'), '--out', out])
    assert.equal(code, 0, stderr)
    const html = fs.readFileSync(out, 'utf8')
    assert.match(html, /data-empty>There was nothing to show/)
    assert.match(html, /1 line was skipped/)
    assert.doesNotMatch(html, /data-chart=/)
    const text = await runNode([CLI, 'report', path.join(dir, 'empty.jsonl'), '--format', 'text'])
    assert.match(text.stdout, /^Nothing to show/)
  })

  test('bad usage is exit code 2; an unwritable --out is a coded error', async () => {
    assert.equal((await runNode([CLI, 'report'])).code, 2)
    assert.equal((await runNode([CLI, 'report', 'x.jsonl', '--format', 'pdf'])).code, 2)
    const r = await runNode([CLI, 'report', __filename, '--out', '/nonexistent-dir/r.html'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /ERR_LEAKGUARD_REPORT_OUT: The report cannot be written to \/nonexistent-dir\/r\.html/)
  })
})

suite('the settling minute on the timeline', () => {
  /** The heap chart's settling span (x and width) in the HTML of a log whose timeline has `events`. */
  function settlingSpan(events) {
    const lines = logLines(9).map((l) => JSON.parse(l))
    lines[1].timeline.dt = [0, 60_000, 120_000, 180_000]
    lines[1].timeline.events = events
    const html = renderHtml(documentFromLog(lines.map((l) => JSON.stringify(l)).join('\n')))
    const spans = [...html.matchAll(/<rect data-marker="settling" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => ({ x: Number(m[1]), width: Number(m[2]) }))
    assert.ok(spans.length >= 1, 'a settling span is drawn')
    return spans[0]
  }

  test('the shaded span ends at the settled event, and runs to the end without one', () => {
    const early = settlingSpan([{ at: t0 + 60_000, type: 'settled' }])
    const late = settlingSpan([{ at: t0 + 150_000, type: 'settled' }])
    const open = settlingSpan([])
    // The chart is linear in time: a minute is a third of the 3-minute axis, 150 s five sixths.
    assert.ok(Math.abs(late.width / early.width - 2.5) < 0.01, `${late.width} vs ${early.width}`)
    assert.ok(Math.abs(open.width / early.width - 3) < 0.01, `${open.width} vs ${early.width}`)
  })

  test('a full timeline drops its oldest events but keeps warm-up and settling ends', () => {
    const timeline = new Timeline({ maxEvents: 4 })
    timeline.event(t0, 'warmed-up', {})
    timeline.event(t0 + 1, 'forced-gc', { reason: 'anchor' })
    timeline.event(t0 + 2, 'settled', {})
    for (let i = 0; i < 10; i++) timeline.event(t0 + 10 + i, 'forced-gc', { reason: 'memory' })
    const { events, droppedEvents } = timeline.toJSON()
    assert.deepEqual(events.map((e) => e.type), ['warmed-up', 'settled', 'forced-gc', 'forced-gc'])
    assert.deepEqual(events.slice(2).map((e) => e.at), [t0 + 18, t0 + 19])
    assert.equal(droppedEvents, 9)
  })
})

suite('untrusted strings are escaped everywhere they land', () => {
  const evil = `</script><img src=x onerror="globalThis.pwned=1">'"&`
  test('text, attributes, SVG titles and the inline JSON hold no live markup', () => {
    const lines = logLines(7, { name: evil }).map((l) => JSON.parse(l))
    lines[2].report.eventName = evil
    lines[2].report.identity = `heap${evil}`
    lines[2].report.allocationStacks[0].frames.push(evil)
    const doc = documentFromLog(lines.map((l) => JSON.stringify(l)).join('\n'))
    const html = renderHtml(doc)
    assert.doesNotMatch(html, /<img/)
    assert.equal(html.split('</script>').length, 2, 'the only </script> closes the JSON block')
    assert.match(html, /&lt;\/script&gt;&lt;img src=x onerror=&quot;globalThis\.pwned=1&quot;&gt;/)
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;/)
    const json = html.slice(html.indexOf('id="leakguard-report">') + 22, html.lastIndexOf('</script>'))
    assert.equal(JSON.parse(json).processes[0].reports[0].identity, `heap${evil}`)
  })
})

suite('guard.report()', () => {
  test('html, text and json forms of a running guard; a bad format is a coded error', async () => {
    const guard = leakguard.start({ intervalMs: 20, onLeak() {} })
    await moreSamples(guard, 5)
    const doc = guard.report({ format: 'json' })
    assert.equal(doc.format, 'leakguard-report')
    assert.equal(doc.processes[0].pid, process.pid)
    assert.ok(doc.processes[0].timeline.t.length > 3)
    assert.match(guard.report({ format: 'text' }), /No leak was reported/)
    assert.match(guard.report(), /^<!doctype html>/)
    assert.throws(() => guard.report({ format: 'pdf' }), { code: 'ERR_INVALID_ARG_VALUE' })
    assert.throws(() => guard.report({ format: 1 }), { code: 'ERR_INVALID_ARG_TYPE' })
    guard.stop()
    assert.ok(guard.report({ format: 'json' }).processes[0].timeline.t.length >= doc.processes[0].timeline.t.length)
  })
})

suite('leakguard run', () => {
  test('no command is a usage error (exit 2); an unwritable --out fails before the app starts', async () => {
    assert.equal((await runNode([CLI, 'run'])).code, 2)
    assert.equal((await runNode([CLI, 'run', '--duration', 'soon', '--', 'node', '-e', '1'])).code, 2)
    const marker = path.join(tmpDir(), 'started')
    const r = await runNode([CLI, 'run', '--out', '/nonexistent-dir/r.html', '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /ERR_LEAKGUARD_REPORT_OUT/)
    assert.equal(fs.existsSync(marker), false, 'the app never started')
  })

  test("keeps the app's exit code, and a crashed app's report says so", async () => {
    const dir = tmpDir()
    const ok = await runNode([CLI, 'run', '--out', path.join(dir, 'ok.html'), '--', process.execPath, '-e', 'setTimeout(() => process.exit(3), 300)'], { cwd: dir })
    assert.equal(ok.code, 3, ok.stderr)
    assert.match(ok.stderr, /report: .*ok\.html/)
    assert.match(fs.readFileSync(path.join(dir, 'ok.html'), 'utf8'), /exited with code 3/)
    const crash = await runNode([CLI, 'run', '--out', path.join(dir, 'crash.html'), '--', process.execPath, '-e', "setTimeout(() => { throw new Error('boom in the app') }, 1500)"], { cwd: dir })
    assert.equal(crash.code, 1)
    assert.match(crash.stderr, /the app crashed/)
    const html = fs.readFileSync(path.join(dir, 'crash.html'), 'utf8')
    assert.match(html, /data-crashed><b>The app crashed<\/b>/)
    assert.match(html, /boom in the app/)
    assert.match(html, /data-chart="heap"/, 'what was recorded before the crash is drawn')
  })

  test('SIGINT to leakguard run is forwarded to the app, and the report is written', async () => {
    const dir = tmpDir()
    const out = path.join(dir, 'int.html')
    const { spawn } = require('node:child_process')
    const child = spawn(process.execPath, [CLI, 'run', '--out', out, '--', process.execPath, '-e', "process.on('SIGINT', () => { console.log('app got SIGINT'); process.exit(7) }); console.log('ready'); setInterval(() => {}, 1000)"], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let interrupted = false
    const code = await new Promise((resolve) => {
      child.stdout.on('data', (d) => {
        stdout += d
        if (stdout.includes('ready') && !interrupted) {
          interrupted = true
          child.kill('SIGINT')
        }
      })
      child.on('close', resolve)
    })
    assert.match(stdout, /app got SIGINT/)
    assert.equal(code, 7, 'the app\'s own exit code')
    assert.match(fs.readFileSync(out, 'utf8'), /exited with code 7/)
  })

  test('--duration stops the app and writes the report', async () => {
    const dir = tmpDir()
    const r = await runNode([CLI, 'run', '--duration', '1500ms', '--out', path.join(dir, 'd.html'), '--', process.execPath, '-e', 'setInterval(() => {}, 1000)'], { cwd: dir, timeoutMs: 30_000 })
    assert.equal(r.code, 128 + os.constants.signals.SIGTERM, r.stderr)
    assert.match(fs.readFileSync(path.join(dir, 'd.html'), 'utf8'), /data-chart="heap"/)
  })
})

test('LEAKGUARD_REPORT_DIR: a failing check writes its report for CI', async () => {
  const dir = tmpDir()
  const script = `
    const { assertNoLeak } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const kept = []
    assertNoLeak(function keepsBuffers() { kept.push(Buffer.alloc(4096)) }, { timeoutMs: 20000, heapSnapshots: false })
      .then(() => process.exit(1), (e) => { console.log(e.result.reportFile); process.exit(e.code === 'ERR_LEAKGUARD_LEAK_DETECTED' ? 0 : 1) })`
  const r = await runNode(['-e', script], { env: { LEAKGUARD_REPORT_DIR: dir }, timeoutMs: 60_000 })
  assert.equal(r.code, 0, r.stderr)
  const file = r.stdout.trim()
  assert.equal(path.dirname(file), dir)
  assert.match(path.basename(file), /^leakguard-keepsBuffers-\d+-1\.html$/)
  const html = fs.readFileSync(file, 'utf8')
  assert.match(html, /external memory \(Buffers\) grew ~[\d,]+ bytes per call/)
  const doc = JSON.parse(fs.readFileSync(file.replace(/\.html$/, '.json'), 'utf8'))
  const external = doc.processes[0].leaks.find((l) => l.kind === 'external')
  assert.ok(external, JSON.stringify(doc.processes[0].leaks.map((l) => l.kind)))
  // 4 KiB a call, within a factor of 1.5.
  assert.ok(external.latest.perCall > 2730 && external.latest.perCall < 6150, String(external.latest.perCall))
})
