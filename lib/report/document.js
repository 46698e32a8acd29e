'use strict'
// The report document: what `guard.report()`, `leakguard run` and
// `leakguard report` render, as plain data. One entry a process (host, pid,
// thread), each with its context, timeline, events, reports and analyses,
// and its leaks: the reports grouped by the core's identity.

const { SERIES } = require('./timeline')

/** The document's format name and version (the JSON form carries both). */
const FORMAT = 'leakguard-report'
const VERSION = 1

const SEVERITY_RANK = { low: 0, medium: 1, high: 2 }

/** A report's time: when it was made, or resolved. */
function timeOf(report) {
  return report.detectedAt || report.resolvedAt || 0
}

/**
 * The leaks of a process: its reports grouped by identity, oldest first,
 * each `{ identity, kind, severity, first, latest, reports, resolved,
 * analysis }` (`latest` the newest leak report, `resolved` its resolution
 * if it came, `analysis` the newest snapshot comparison).
 */
function leaksOf(process) {
  const leaks = new Map()
  for (const report of [...process.reports].sort((a, b) => timeOf(a) - timeOf(b))) {
    const identity = report.identity || `${report.kind}:${timeOf(report)}`
    let leak = leaks.get(identity)
    if (!leak) {
      leak = { identity, kind: report.kind, severity: report.severity, first: null, latest: null, reports: 0, resolved: null, analysis: null }
      leaks.set(identity, leak)
    }
    if (report.resolved) {
      leak.resolved = report
      continue
    }
    // A leak reported again after its resolution is open again.
    if (leak.resolved && timeOf(report) > leak.resolved.resolvedAt) leak.resolved = null
    leak.first = leak.first || report
    leak.latest = report
    leak.reports++
    if (SEVERITY_RANK[report.severity] > SEVERITY_RANK[leak.severity]) leak.severity = report.severity
  }
  for (const result of process.analyses || []) {
    const leak = result.report && leaks.get(result.report.identity)
    if (leak) leak.analysis = result
  }
  return [...leaks.values()].filter((leak) => leak.latest)
}

/** What only a leak's latest report carries in the document. */
const HEAVY_FIELDS = ['samples', 'allocationStacks', 'allocationSites', 'addSites', 'creationSites', 'heapGrowth']

/** `report` without its bulky fields. */
function slim(report) {
  const out = {}
  for (const [key, value] of Object.entries(report)) if (!HEAVY_FIELDS.includes(key)) out[key] = value
  return out
}

/**
 * A document from process entries. Each leak keeps its latest report whole;
 * its first, and every report in the process's list, keep their figures and
 * sentences but not their samples, sites and stacks, so that a long run's
 * page stays small.
 */
function reportDocument(processes, { source, skippedLines = 0 } = {}) {
  return {
    format: FORMAT,
    version: VERSION,
    generatedAt: new Date().toISOString(),
    source,
    skippedLines,
    processes: processes.map((p) => {
      const leaks = leaksOf(p).map((l) => ({ ...l, first: l.first === l.latest ? l.latest : slim(l.first) }))
      return { ...p, reports: p.reports.map((r) => (r.resolved ? r : slim(r))), leaks }
    }),
  }
}

/** An empty process entry for `host`, `pid` and `threadId`. */
function emptyProcess(host, pid, threadId) {
  return {
    host,
    pid,
    threadId,
    context: null,
    timeline: { t: [], ...Object.fromEntries(SERIES.map((s) => [s, []])), events: [], droppedEvents: 0 },
    reports: [],
    analyses: [],
    stats: null,
    exit: null,
  }
}

/** The JSON object in `line`, also behind a log shipper's prefix (`2026-… stderr F {…}`), or null. */
function parseLine(line) {
  const at = line.indexOf('{')
  if (at < 0) return null
  try {
    const value = JSON.parse(line.slice(at))
    return value && typeof value === 'object' && !Array.isArray(value) ? value : null
  } catch {
    return null
  }
}

function isNumberArray(value, length) {
  return Array.isArray(value) && value.length === length && value.every((v) => v === null || typeof v === 'number')
}

/** Adds a `LeakTimeline` chunk to `process`; false when its shape is wrong. */
function addChunk(process, chunk) {
  if (!chunk || typeof chunk.t0 !== 'number' || !Array.isArray(chunk.dt)) return false
  const n = chunk.dt.length
  if (!chunk.dt.every((d) => typeof d === 'number') || !SERIES.every((s) => isNumberArray(chunk[s], n))) return false
  const tl = process.timeline
  for (let i = 0; i < n; i++) {
    tl.t.push(chunk.t0 + chunk.dt[i])
    for (const s of SERIES) tl[s].push(chunk[s][i])
  }
  if (Array.isArray(chunk.events)) for (const e of chunk.events) if (e && typeof e.at === 'number' && typeof e.type === 'string') tl.events.push(e)
  return true
}

const isReport = (r) => r && typeof r === 'object' && typeof r.kind === 'string'

/**
 * Reads JSON log lines (`text`, any number of processes interleaved) into
 * a document. Lines that are not leakguard's, or are broken, are skipped and
 * counted.
 */
function documentFromLog(text, { source } = {}) {
  const processes = new Map()
  let skipped = 0
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '') continue
    const value = parseLine(line)
    const code = value && value.code
    if (!value || typeof code !== 'string' || !code.startsWith('LEAKGUARD_') || value.pid === undefined) {
      skipped++
      continue
    }
    const key = `${value.hostname}\u0000${value.pid}\u0000${value.threadId}`
    let p = processes.get(key)
    if (!p) {
      p = emptyProcess(String(value.hostname ?? '?'), value.pid, value.threadId ?? 0)
      processes.set(key, p)
    }
    let ok = true
    if (code === 'LEAKGUARD_START') ok = Boolean(value.context && typeof value.context === 'object') && Boolean((p.context = value.context))
    else if (code === 'LEAKGUARD_TIMELINE') ok = addChunk(p, value.timeline)
    else if (code === 'LEAKGUARD_LEAK' || code === 'LEAKGUARD_RESOLVED') ok = isReport(value.report) && Boolean(p.reports.push(value.report))
    else if (code === 'LEAKGUARD_ANALYSIS') ok = isReport(value.report) && Boolean(p.analyses.push({ report: value.report, analysis: value.analysis || null, error: value.error || null, files: value.files || [], message: value.message }))
    else if (code === 'LEAKGUARD_STOP') p.stats = value.stats || null
    else if (code === 'LEAKGUARD_EXIT') p.exit = { code: value.exitCode ?? null, signal: value.signal ?? null, crashed: Boolean(value.crashed), stderrTail: typeof value.stderrTail === 'string' ? value.stderrTail : null }
    else if (code !== 'LEAKGUARD_CALLBACK_FAILED') ok = false
    if (!ok) skipped++
  }
  for (const p of processes.values()) {
    // Chunks from one process arrive in order, but shipped logs may not: sort by time.
    const tl = p.timeline
    const order = tl.t.map((_, i) => i).sort((a, b) => tl.t[a] - tl.t[b])
    tl.t = order.map((i) => tl.t[i])
    for (const s of SERIES) tl[s] = order.map((i) => tl[s][i])
    tl.events.sort((a, b) => a.at - b.at)
  }
  // A process only broken lines spoke of is no process to show.
  const list = [...processes.values()].filter((p) => p.context || p.timeline.t.length > 0 || p.reports.length > 0 || p.analyses.length > 0 || p.exit).sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid || a.threadId - b.threadId)
  return reportDocument(list, { source, skippedLines: skipped })
}

module.exports = { documentFromLog, reportDocument }
