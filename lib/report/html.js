'use strict'
// The report document as one self-contained HTML page: inline CSS and SVG,
// no script and no network request (its Content-Security-Policy forbids
// both). Every string from the heap or from logs is untrusted and escaped
// where it lands: text, attributes, SVG, and the inline JSON copy.

const fmt = require('./format')
const { describePath, inBytes } = require('./describe')

/** The page's policy: nothing is fetched and nothing runs. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

const SERIES_TITLES = {
  heap: 'V8 heap (live level after GCs)',
  external: 'External (Buffers, ArrayBuffers)',
  native: 'Native (malloc outside V8)',
  listeners: 'Listeners (the most-watched emitter/event)',
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes `value` for HTML text and attribute values (SVG included). */
function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c])
}

/** JSON that is safe inside a `<script type="application/json">` element. */
function inlineJson(value) {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}

const CSS = `
:root{--fg:#1d2330;--mute:#5d6677;--line:#d9dee7;--bg:#f6f7f9;--card:#fff;--leak:#c62828;--ok:#2e7d32;--warn:#ef6c00;--accent:#1f5fbf}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:18px 28px;background:#1d2330;color:#fff}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#c9d1e0}
main{padding:18px 28px;max-width:1180px}section{margin:0 0 26px}h2{font-size:17px;margin:0 0 10px}h3{font-size:15px;margin:14px 0 6px}
.summary{display:flex;gap:14px;flex-wrap:wrap}.stat{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:150px}
.stat b{display:block;font-size:20px}.card{background:var(--card);border:1px solid var(--line);border-left:5px solid var(--leak);border-radius:6px;padding:14px 18px;margin:0 0 16px}
.card.resolved{border-left-color:var(--ok)}.verdict{font-size:15px;margin:0 0 8px}.facts{display:flex;gap:18px;flex-wrap:wrap;color:var(--mute);margin:0 0 8px}
.facts b{color:var(--fg)}.sev-high{color:var(--leak)}.sev-medium{color:var(--warn)}.sev-low{color:var(--mute)}
table{border-collapse:collapse;width:100%;margin:4px 0 8px}td,th{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}th{color:var(--mute);font-weight:600}
td.n{text-align:right;white-space:nowrap}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px;word-break:break-all}
.path{margin:2px 0 6px;font-family:ui-monospace,Menlo,monospace;font-size:12.5px}.path .step{background:#eef2f8;border-radius:3px;padding:1px 4px}.path .arrow{color:var(--mute);padding:0 4px}
.chart{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:0 0 12px}.chart h3{margin:2px 0 4px}
svg text{font:11px system-ui,sans-serif;fill:#5d6677}.legend{color:var(--mute);font-size:12px}.empty{background:var(--card);border:1px dashed var(--line);padding:24px;border-radius:6px}
.crash{background:#fdecea;border:1px solid #f5c2c0;border-radius:6px;padding:10px 14px;margin:0 0 14px}pre{white-space:pre-wrap;background:#f0f2f5;padding:8px;border-radius:4px;font-size:12px;max-height:320px;overflow:auto}
`

/** Evenly spaced `n` ticks over [lo, hi]. */
function ticks(lo, hi, n) {
  if (!(hi > lo)) return [lo]
  return Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n)
}

/** Keeps at most `max` points, each bucket's highest (a leak's level is what matters). */
function thin(t, v, max) {
  if (t.length <= max) return { t, v }
  const size = Math.ceil(t.length / max)
  const tt = []
  const vv = []
  for (let i = 0; i < t.length; i += size) {
    let best = i
    for (let j = i; j < Math.min(t.length, i + size); j++) if (v[j] !== null && (v[best] === null || v[j] > v[best])) best = j
    tt.push(t[best])
    vv.push(v[best])
  }
  return { t: tt, v: vv }
}

const W = 860
const H = 170
const PAD = { left: 64, right: 12, top: 10, bottom: 24 }

/** One series' chart: the line, the shaded warm-up and settling spans, and the events' markers. */
function chart(process, series, leaks) {
  const tl = process.timeline
  const raw = tl[series]
  if (!raw.some((v) => v !== null && (series !== 'listeners' || v > 0))) return ''
  const { t, v } = thin(tl.t, raw, 1500)
  const t0 = (process.context && process.context.startedAt) || t[0]
  const tEnd = Math.max(t[t.length - 1], t0 + 1000)
  const values = v.filter((x) => x !== null)
  const kindLeaks = leaks.filter((l) => (series === 'listeners' ? l.kind === 'listeners' : l.kind === series))
  for (const l of kindLeaks) if (l.latest.trend) values.push(l.latest.trend.startValue, l.latest.trend.endValue)
  let lo = Math.min(...values)
  let hi = Math.max(...values)
  if (hi - lo < 1) hi = lo + 1
  const span = hi - lo
  lo = Math.max(0, lo - span * 0.08)
  hi += span * 0.08
  const x = (at) => PAD.left + ((at - t0) / (tEnd - t0)) * (W - PAD.left - PAD.right)
  const y = (val) => PAD.top + (1 - (val - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom)
  const label = (val) => (series === 'listeners' ? fmt.count(val) : fmt.bytes(val))
  const parts = []
  // Spans: warm-up (to its end event) and the settling minute of heap and
  // native memory (to its end event: a starved thread's minute lasts longer;
  // a timeline without one ends in it).
  const warm = tl.events.find((e) => e.type === 'warmed-up')
  if (warm) parts.push(`<rect data-marker="warmup" x="${x(t0).toFixed(1)}" y="${PAD.top}" width="${Math.max(0, x(warm.at) - x(t0)).toFixed(1)}" height="${H - PAD.top - PAD.bottom}" fill="#e3e7ee"><title>warm-up</title></rect>`)
  if (series === 'heap' || series === 'native') {
    const settled = tl.events.find((e) => e.type === 'settled')
    const end = Math.min(tEnd, settled ? settled.at : tEnd)
    parts.push(`<rect data-marker="settling" x="${x(t0).toFixed(1)}" y="${H - PAD.bottom - 6}" width="${Math.max(0, x(end) - x(t0)).toFixed(1)}" height="6" fill="#f3d9a4"><title>settling minute: slow growth needs 1 MiB to count</title></rect>`)
  }
  for (const val of ticks(lo, hi, 3)) parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(val).toFixed(1)}" y2="${y(val).toFixed(1)}" stroke="#eceff4"/><text x="${PAD.left - 6}" y="${(y(val) + 4).toFixed(1)}" text-anchor="end">${esc(label(val))}</text>`)
  for (const at of ticks(t0, tEnd, 6)) parts.push(`<text x="${x(at).toFixed(1)}" y="${H - 6}" text-anchor="middle">${esc(fmt.duration(at - t0))}</text>`)
  // The line, broken where a kind was off.
  let d = ''
  let pen = false
  let points = 0
  for (let i = 0; i < t.length; i++) {
    if (v[i] === null) {
      pen = false
      continue
    }
    d += `${pen ? 'L' : 'M'}${x(t[i]).toFixed(1)} ${y(v[i]).toFixed(1)}`
    pen = true
    points++
  }
  parts.push(`<path data-series="${series}" data-points="${points}" d="${d}" fill="none" stroke="#1f5fbf" stroke-width="1.6"/>`)
  for (const l of kindLeaks) {
    const tr = l.latest.trend
    if (tr) parts.push(`<line data-marker="trend" x1="${x(tr.startAt).toFixed(1)}" y1="${y(tr.startValue).toFixed(1)}" x2="${x(tr.endAt).toFixed(1)}" y2="${y(tr.endValue).toFixed(1)}" stroke="#c62828" stroke-width="2" stroke-dasharray="6 4"><title>fitted trend over the judged window: ${esc(fmt.rate(l.latest.growthPerMinute, inBytes(l.kind)))}</title></line>`)
  }
  const relevant = (e) => (e.kind === undefined || (series === 'listeners' ? e.kind === 'listeners' : e.kind === series))
  for (const e of tl.events) {
    const ex = x(e.at).toFixed(1)
    if (e.type === 'forced-gc' && series === 'heap') parts.push(`<line data-marker="forced-gc" x1="${ex}" x2="${ex}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom + 5}" stroke="#7a8699"><title>forced full GC (${esc(e.reason)})</title></line>`)
    else if (e.type === 'suspected' && relevant(e)) parts.push(`<path data-marker="suspected" d="M${ex} ${PAD.top + 8}l-5 -8h10z" fill="#ef6c00"><title>suspected at ${esc(fmt.duration(e.at - t0))}</title></path>`)
    else if (e.type === 'report' && relevant(e)) parts.push(`<line data-marker="report" x1="${ex}" x2="${ex}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#c62828" stroke-width="1.5"><title>${esc(e.repeat ? 'reminder' : 'reported')} at ${esc(fmt.duration(e.at - t0))} (${esc(e.severity)})</title></line>`)
    else if (e.type === 'resolved' && relevant(e)) parts.push(`<line data-marker="resolved" x1="${ex}" x2="${ex}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#2e7d32" stroke-width="1.5" stroke-dasharray="3 3"><title>resolved at ${esc(fmt.duration(e.at - t0))}</title></line>`)
  }
  return `<div class="chart" data-chart="${series}"><h3>${esc(SERIES_TITLES[series])}</h3><svg role="img" aria-label="${esc(SERIES_TITLES[series])}" viewBox="0 0 ${W} ${H}" width="100%" preserveAspectRatio="none">${parts.join('')}</svg></div>`
}

/** A stable warm color for a frame name. */
function colorOf(name) {
  let h = 0
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0
  return `hsl(${(h % 40) + 8},${70 + (h % 20)}%,${62 + (h % 12)}%)`
}

/** Rows an icicle shows at most: the allocating frame and its nearest callers. */
const ICICLE_ROWS = 12

/**
 * The allocation stacks of a heap report as an icicle, allocating frame on
 * top and its callers below (widths by live bytes), so that the first row
 * answers where the growth is allocated; the outermost callers past
 * ICICLE_ROWS are left out.
 */
function icicle(stacks) {
  if (!stacks || stacks.length === 0) return ''
  const root = { name: 'all sampled growth', value: 0, children: new Map() }
  for (const s of stacks) {
    root.value += s.bytes
    let node = root
    for (const frame of [...s.frames].reverse().slice(0, ICICLE_ROWS)) {
      let child = node.children.get(frame)
      if (!child) node.children.set(frame, (child = { name: frame, value: 0, children: new Map() }))
      child.value += s.bytes
      node = child
    }
  }
  const rowH = 18
  const rects = []
  let depth = 0
  const place = (node, x0, width, level) => {
    if (width < 0.4) return
    depth = Math.max(depth, level)
    const share = node.value / root.value
    const text = width > 36 ? node.name.slice(0, Math.floor(width / 6.6)) : ''
    rects.push(`<g><title>${esc(node.name)} — ${esc(fmt.bytes(node.value))} (${esc(fmt.percent(share))})</title><rect x="${x0.toFixed(1)}" y="${level * rowH}" width="${Math.max(0.4, width - 0.5).toFixed(1)}" height="${rowH - 1}" fill="${level === 0 ? '#cfd6e2' : colorOf(node.name)}"/>${text ? `<text x="${(x0 + 3).toFixed(1)}" y="${level * rowH + 13}" style="fill:#1d2330">${esc(text)}</text>` : ''}</g>`)
    let at = x0
    for (const child of [...node.children.values()].sort((a, b) => b.value - a.value)) {
      const w = (child.value / node.value) * width
      place(child, at, w, level + 1)
      at += w
    }
  }
  place(root, 0, W, 0)
  const height = (depth + 1) * rowH
  return `<h3>Where the growth is allocated</h3><div class="legend">Sampled stacks of the live growth: the allocating frame on top, its callers below (the nearest ${ICICLE_ROWS}); width is live bytes. Hover a frame for its size.</div><svg data-chart="icicle" viewBox="0 0 ${W} ${height}" width="100%" role="img" aria-label="allocation stacks">${rects.join('')}</svg>`
}

/** "Held by": the path holding most of the growth, from the snapshot analysis, near the top of a card. */
function holderHtml(result) {
  const top = result && result.analysis && result.analysis.classes && result.analysis.classes[0]
  const p = top && top.retainerPaths && top.retainerPaths[0]
  if (!p) return ''
  return `<div class="holder" data-holder><span class="legend">held by (${esc(fmt.count(p.count))} new ${esc(top.name)})</span>${pathHtml(p.steps || [])}</div>`
}

function pathHtml(steps) {
  return `<div class="path" title="${esc(describePath(steps))}">${steps.map((s) => `<span class="step">${esc(describePath([s]))}</span>`).join('<span class="arrow">←</span>')}</div>`
}

function sitesTable(sites) {
  if (!sites || sites.length === 0) return ''
  const rows = sites.map((s) => `<tr><td class="mono">${esc(s.functionName)}</td><td class="mono">${esc(s.site)}</td><td class="n">${esc(fmt.percent(s.share))}</td><td class="n">${esc(fmt.rate(s.growthPerMinute, true))}</td></tr>`).join('')
  return `<h3>Allocation sites</h3><table><tr><th>function</th><th>site</th><th>share</th><th>rate</th></tr>${rows}</table><p class="legend">Sampled physical frames: a function V8 inlined into its caller is charged to the caller. leakguard turns inlining off while it samples a suspicion, but code optimized before keeps it; the holder above names what keeps the growth.</p>`
}

function analysisHtml(result) {
  if (!result) return ''
  if (!result.analysis) return `<h3>Heap snapshots</h3><p>The snapshots could not be compared: ${esc(result.error)}</p>`
  // The analysis's own sentence, without the report's that it repeats.
  const lead = result.report && result.report.message ? `${result.report.message}; ` : null
  const own = result.message && lead && result.message.startsWith(lead) ? result.message.slice(lead.length) : result.message
  const sentence = own ? `<p data-analysis>${esc(own)}</p>` : ''
  const classes = result.analysis.classes || []
  const rows = classes
    .slice(0, 8)
    .map((c) => {
      const n = c.newObjects || { count: 0, retainedSize: 0 }
      const paths = (c.retainerPaths || []).map((p) => `<div class="legend">${esc(fmt.count(p.count))} held by</div>${pathHtml(p.steps || [])}`).join('')
      return `<tr><td class="mono">${esc(c.name)}</td><td class="n">+${esc(fmt.count(n.count))}</td><td class="n">${esc(fmt.bytes(n.retainedSize))}</td><td>${paths}</td></tr>`
    })
    .join('')
  return `<h3>Growing classes (heap snapshots)</h3>${sentence}<table><tr><th>class</th><th>new</th><th>retained</th><th>held by</th></tr>${rows}</table>`
}

/** What each call of a checked function keeps, from the check's two heap snapshots. */
function checkGrowthHtml(growth) {
  const rows = growth.classes
    .map((c) => `<tr><td class="mono">${esc(c.name)}</td><td class="n">${esc(c.perCall.toFixed(2))}</td><td class="n">${esc(fmt.bytes(c.retainedBytesPerCall))}</td><td>${(c.retainerPaths || []).map((p) => pathHtml(p.steps || [])).join('')}</td></tr>`)
    .join('')
  return `<h3>What each call keeps (heap snapshots)</h3><table><tr><th>class</th><th>per call</th><th>retained per call</th><th>held by</th></tr>${rows}</table>`
}

function addSitesTable(title, sites) {
  if (!sites || sites.length === 0) return ''
  return `<h3>${esc(title)}</h3><table><tr><th>site</th><th>sampled</th><th>stack</th></tr>${sites.map((s) => `<tr><td class="mono">${esc(s.site)}</td><td class="n">${esc(fmt.count(s.count))}</td><td class="mono">${esc((s.frames || []).join(' ← '))}</td></tr>`).join('')}</table>`
}

function leakCard(leak, t0) {
  const r = leak.latest
  const facts = [`<span>kind <b>${esc(leak.kind)}</b></span>`, `<span>severity <b class="sev-${esc(leak.severity)}">${esc(leak.severity)}</b></span>`]
  if (r.perCall !== undefined) {
    // A leak check's finding: growth per call, not per minute.
    facts.push(`<span>per call <b>${esc(fmt.perCall(r.perCall, inBytes(leak.kind)))}</b></span>`, `<span>calls <b>${esc(fmt.count(r.calls))}</b></span>`)
  } else {
    facts.push(`<span>rate <b>${esc(fmt.rate(r.growthPerMinute, inBytes(leak.kind)))}</b></span>`, `<span>now <b>${esc(inBytes(leak.kind) ? fmt.bytes(r.current) : fmt.count(r.current))}</b></span>`)
  }
  if (r.msUntilLimit != null) facts.push(`<span>heap limit in <b>~${esc(fmt.duration(r.msUntilLimit))}</b></span>`)
  if (t0 && r.perCall === undefined) facts.push(`<span>first reported <b>${esc(fmt.duration(leak.first.detectedAt - t0))}</b> in</span>`)
  facts.push(`<span>reports <b>${esc(leak.reports)}</b></span>`)
  if (leak.resolved) facts.push(`<span><b style="color:var(--ok)">resolved</b> after ${esc(fmt.duration(leak.resolved.durationMs))}</span>`)
  const body = [
    `<p class="verdict" data-verdict>${esc(r.message)}</p>`,
    `<div class="facts">${facts.join('')}</div>`,
    holderHtml(leak.analysis),
    leak.kind === 'heap' ? sitesTable(r.allocationSites) : '',
    leak.kind === 'heap' ? icicle(r.allocationStacks) : '',
    analysisHtml(leak.analysis),
    r.heapGrowth && r.heapGrowth.classes ? checkGrowthHtml(r.heapGrowth) : '',
    leak.kind === 'listeners' && r.addSite ? addSitesTable('Where the listeners are added', [{ site: r.addSite, count: NaN }]) : '',
    leak.kind === 'listeners' ? addSitesTable('Where the listeners are added', r.addSites) : '',
    leak.kind === 'objects' ? addSitesTable('Where the objects are created', r.creationSites) : '',
  ]
  if (r.allocationProfile) body.push(`<p class="legend">Allocation profile for Chrome DevTools (Memory → Load profile): <code>${esc(r.allocationProfile)}</code></p>`)
  if (r.snapshot && r.snapshot.path) body.push(`<p class="legend">Heap snapshot: <code>${esc(r.snapshot.path)}</code></p>`)
  return `<article class="card${leak.resolved ? ' resolved' : ''}" data-leak="${esc(leak.identity)}"><h2>${esc(leak.identity)}</h2>${body.join('')}</article>`
}

function contextHtml(process) {
  const c = process.context || {}
  const rows = [
    ['process', `${process.host} pid ${process.pid}${process.threadId ? ` thread ${process.threadId}` : ''}`],
    ['script', c.script || '?'],
    ['Node.js', `${c.node || '?'} (${c.platform || '?'})`],
    ['heap limit', c.heapLimit ? fmt.bytes(c.heapLimit) : '?'],
    ['started', c.startedAt ? new Date(c.startedAt).toISOString() : '?'],
  ]
  if (process.stats) rows.push(['leakguard\u2019s forced GCs', `${fmt.count(process.stats.forcedGcs)} ${Object.entries(process.stats.forcedGcsBy || {}).map(([k, n]) => `${k} ${n}`).join(', ')}`], ['samples', fmt.count(process.stats.samples)])
  const table = `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td class="mono">${esc(v)}</td></tr>`).join('')}</table>`
  const options = c.options ? `<details><summary>Options in force</summary><pre>${esc(JSON.stringify(c.options, null, 2))}</pre></details>` : ''
  return `<h3>Context</h3>${table}${options}`
}

function exitHtml(exit) {
  if (!exit) return ''
  if (!exit.crashed) return `<p class="legend">The app exited with code ${esc(exit.code ?? '?')}${exit.signal ? ` (${esc(exit.signal)})` : ''}.</p>`
  const tail = exit.stderrTail ? `<pre>${esc(exit.stderrTail)}</pre>` : ''
  return `<div class="crash" data-crashed><b>The app crashed</b>: it exited with ${exit.signal ? `signal ${esc(exit.signal)}` : `code ${esc(exit.code)}`}. What was recorded until then is below.${tail}</div>`
}

function processHtml(process, many) {
  const t0 = (process.context && process.context.startedAt) || process.timeline.t[0]
  const charts = ['heap', 'external', 'native', 'listeners'].map((s) => chart(process, s, process.leaks)).join('')
  const leaks = process.leaks.length > 0 ? process.leaks.map((l) => leakCard(l, t0)).join('') : '<p class="empty">No leak was reported in this process.</p>'
  const title = many ? `<h2>${esc(process.host)} · pid ${esc(process.pid)}${process.threadId ? ` · thread ${esc(process.threadId)}` : ''}</h2>` : ''
  return `<section data-process="${esc(process.pid)}">${title}${exitHtml(process.exit)}${leaks}${charts ? `<h2>Timeline</h2>${charts}` : '<p class="empty">No samples were recorded.</p>'}${contextHtml(process)}</section>`
}

/** The document as an HTML page. */
function renderHtml(doc) {
  const leaks = doc.processes.reduce((n, p) => n + p.leaks.length, 0)
  const open = doc.processes.reduce((n, p) => n + p.leaks.filter((l) => !l.resolved).length, 0)
  const headline = doc.processes.length === 0 ? 'Nothing to show' : leaks === 0 ? 'No leak found' : `${leaks} leak${leaks === 1 ? '' : 's'} found${open < leaks ? ` (${open} still open)` : ''}`
  const skipped = doc.skippedLines > 0 ? `<p class="legend" data-skipped="${esc(doc.skippedLines)}">${esc(fmt.count(doc.skippedLines))} line${doc.skippedLines === 1 ? ' was' : 's were'} skipped: not leakguard's, or broken.</p>` : ''
  const body =
    doc.processes.length === 0
      ? `<p class="empty" data-empty>There was nothing to show: ${esc(doc.source || 'the input')} held no leakguard samples or reports.</p>`
      : doc.processes.map((p) => processHtml(p, doc.processes.length > 1)).join('')
  const stats = `<div class="summary"><div class="stat"><b>${esc(leaks)}</b>leaks</div><div class="stat"><b>${esc(doc.processes.length)}</b>process${doc.processes.length === 1 ? '' : 'es'}</div><div class="stat"><b>${esc(fmt.count(doc.processes.reduce((n, p) => n + p.timeline.t.length, 0)))}</b>samples</div></div>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${esc(CSP)}"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer">
<title>leakguard report: ${esc(headline)}</title><style>${CSS}</style></head>
<body><header><h1 data-headline>leakguard: ${esc(headline)}</h1><p>${esc(doc.source || '')} · generated ${esc(doc.generatedAt)}</p></header>
<main>${stats}${skipped}${body}</main>
<script type="application/json" id="leakguard-report">${inlineJson(doc)}</script>
</body></html>
`
}

module.exports = { CSP, esc, inlineJson, renderHtml }
