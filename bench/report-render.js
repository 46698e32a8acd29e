'use strict'
// Rendering the HTML report from JSON logs: a 10-minute run of 4 processes
// sampled every 250 ms (timeline lines every 30 s, a heap leak with its
// allocation stacks and snapshot analysis, a listener leak), as
// `leakguard report` reads and renders it. Baseline: JSON.parse of every
// line of the same log, the least any reader of it does.

const { median, row } = require('./harness')
const { documentFromLog } = require('../lib/report/document')
const { renderHtml } = require('../lib/report/html')

const MINUTES = 10
const INTERVAL_MS = 250
const PROCESSES = 4
const ROUNDS = 7

function frames(depth, i) {
  return Array.from({ length: depth }, (_, d) => `fn${d}_${i % 7} (/srv/app/src/module${d}.js:${10 + d}:${3 + (i % 5)})`)
}

/** The JSON lines a guard logging JSON writes over the run. */
function processLog(pid) {
  const base = { level: 'info', pid, hostname: `web-${pid}`, threadId: 0 }
  const t0 = 1_790_000_000_000
  const lines = [{ ...base, time: new Date(t0).toISOString(), name: 'LeakguardStarted', code: 'LEAKGUARD_START', context: { node: process.version, platform: 'linux-x64', heapLimit: 4e9, startedAt: t0, script: '/srv/app/server.js', options: { intervalMs: INTERVAL_MS } } }]
  const samples = (MINUTES * 60_000) / INTERVAL_MS
  const perChunk = 30_000 / INTERVAL_MS
  for (let c = 0; c < samples / perChunk; c++) {
    const dt = Array.from({ length: perChunk }, (_, i) => i * INTERVAL_MS)
    const at = (i) => c * perChunk + i
    lines.push({
      ...base,
      level: 'debug',
      time: new Date(t0 + c * 30_000).toISOString(),
      name: 'LeakTimeline',
      code: 'LEAKGUARD_TIMELINE',
      timeline: {
        t0: t0 + c * 30_000,
        dt,
        heap: dt.map((_, i) => Math.round(40e6 + at(i) * 20_000 + (at(i) % 17) * 30_000)),
        external: dt.map((_, i) => Math.round(2e6 + (at(i) % 9) * 1000)),
        native: dt.map((_, i) => Math.round(30e6 + (at(i) % 13) * 5000)),
        listeners: dt.map((_, i) => 10 + Math.floor(at(i) / 40)),
        events: c % 4 === 0 ? [{ at: t0 + c * 30_000, type: 'forced-gc', reason: 'memory' }] : [],
      },
    })
  }
  const stacks = Array.from({ length: 60 }, (_, i) => ({ frames: frames(8 + (i % 24), i), bytes: 1e6 / (i + 1) }))
  const sites = Array.from({ length: 5 }, (_, i) => ({ site: `/srv/app/src/store.js:${5 + i}:3`, functionName: `createSession${i}`, liveBytes: 1e6, growthPerMinute: 2e6, share: 0.5 / (i + 1), frames: frames(6, i) }))
  for (let r = 0; r < 12; r++) {
    const detectedAt = t0 + 60_000 + r * 45_000
    const report = { kind: 'heap', identity: 'heap', severity: 'medium', message: `V8 heap grows 4.6 MiB/min over 2 min … report ${r}`, growthPerMinute: 4.8e6, current: 60e6 + r * 1e6, detectedAt, heapLimit: 4e9, msUntilLimit: 3e6, samples: [], repeat: r > 0, trend: { startAt: detectedAt - 120_000, startValue: 50e6, endAt: detectedAt, endValue: 60e6 }, allocationSites: sites, allocationStacks: stacks }
    lines.push({ ...base, level: 'warn', time: new Date(detectedAt).toISOString(), name: 'LeakWarning', code: 'LEAKGUARD_LEAK', message: report.message, report })
  }
  const steps = [{ class: 'Object', edgeKind: 'element', edgeName: '' }, { class: 'Map', edgeKind: 'variable', edgeName: 'sessions' }, { class: '(closure)', function: 'createSession', location: '/srv/app/src/store.js:5:23', edgeKind: 'property', edgeName: 'createSession' }, { class: '(GC roots)', edgeName: '' }]
  const classes = Array.from({ length: 10 }, (_, i) => ({ name: `Class${i}`, newObjects: { count: 1000 * (10 - i), selfSize: 1e5, retainedSize: 1e6 }, retainerPaths: [{ count: 900, steps }, { count: 100, steps: steps.slice(1) }] }))
  lines.push({ ...base, level: 'warn', name: 'LeakAnalysis', code: 'LEAKGUARD_ANALYSIS', message: 'analysis', files: ['a', 'b'], report: { kind: 'heap', identity: 'heap' }, analysis: { classes, newObjects: { count: 1e4, retainedSize: 1e7 } } })
  const listenerReport = { kind: 'listeners', identity: 'listeners:Socket:data', severity: 'low', message: 'Socket has 900 listeners', growthPerMinute: 60, current: 900, detectedAt: t0 + 300_000, emitter: 'Socket', eventName: 'data', addSites: [{ site: '/srv/app/src/ws.js:4:2', count: 40, frames: frames(4, 1) }], sampledAdds: 40, samples: [] }
  lines.push({ ...base, level: 'warn', name: 'LeakWarning', code: 'LEAKGUARD_LEAK', message: listenerReport.message, report: listenerReport })
  return lines.map((l) => JSON.stringify(l))
}

module.exports = async function reportRender() {
  // Interleaved as a log shipper delivers them: one process's line, then another's.
  const logs = Array.from({ length: PROCESSES }, (_, p) => processLog(1000 + p))
  const lines = []
  for (let i = 0; logs.some((l) => i < l.length); i++) for (const l of logs) if (i < l.length) lines.push(l[i])
  const text = lines.join('\n')
  const parseMs = []
  const renderMs = []
  let html = ''
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now()
    for (const line of lines) JSON.parse(line)
    parseMs.push(performance.now() - t)
    t = performance.now()
    html = renderHtml(documentFromLog(text, { source: 'bench' }))
    renderMs.push(performance.now() - t)
  }
  const single = renderHtml(documentFromLog(processLog(1).join('\n'), { source: 'bench' }))
  return [
    row(`read + render, ${PROCESSES} processes × ${MINUTES} min at ${INTERVAL_MS} ms`, median(renderMs), 'ms', 'JSON.parse of every line', median(parseMs), `log ${(text.length / 1048576).toFixed(1)} MiB, median of ${ROUNDS}`),
    row('the page, 4 processes', html.length / 1024, 'KiB', 'the log', text.length / 1024),
    row('the page, 1 process', single.length / 1024, 'KiB', 'the 4-process page', html.length / 1024),
  ]
}
