'use strict'
// A failing leak check's report, for CI artifacts: with LEAKGUARD_REPORT_DIR
// set, `checkLeak` writes an HTML page and its JSON document there for every
// check that finds a leak (Jest, Vitest, Mocha and node:test alike).

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { threadId } = require('node:worker_threads')
const { reportDocument } = require('./document')
const { renderHtml } = require('./html')

/** A file-name-safe form of the checked function's name. */
function slug(name) {
  return (name || 'function').replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 60) || 'function'
}

/** The check's result as a report document: one leak a kind found growing. */
function checkDocument(name, result) {
  const at = Date.now()
  const reports = result.reports.map((r) => ({ ...r, identity: `check:${r.kind}`, severity: 'high', detectedAt: at, calls: result.iterations }))
  const entry = {
    host: os.hostname(),
    pid: process.pid,
    threadId,
    context: { node: process.version, platform: `${process.platform}-${process.arch}`, startedAt: at - result.elapsedMs, script: process.argv[1] || null, check: name || '(anonymous)', heapLimit: require('node:v8').getHeapStatistics().heap_size_limit },
    timeline: { t: [], heap: [], external: [], native: [], listeners: [], events: [], droppedEvents: 0 },
    reports,
    analyses: [],
    stats: null,
    exit: null,
  }
  return reportDocument([entry], { source: `leak check of ${name || 'an anonymous function'}` })
}

/**
 * Writes the report of a failed check into `dir` (`<name>-<pid>-<n>.html`
 * and `.json`, mode 0600); returns the HTML file's path, or null when the
 * directory cannot be written (the check's verdict stands either way).
 */
let written = 0
function writeCheckReport(dir, name, result) {
  try {
    fs.mkdirSync(dir, { recursive: true })
    const base = path.join(dir, `leakguard-${slug(name)}-${process.pid}-${++written}`)
    const doc = checkDocument(name, result)
    fs.writeFileSync(`${base}.json`, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 })
    fs.writeFileSync(`${base}.html`, renderHtml(doc), { mode: 0o600 })
    return `${base}.html`
  } catch (error) {
    process.emitWarning(`leakguard could not write the check's report into ${dir}: ${error.message}`, { code: 'LEAKGUARD_REPORT_DIR_FAILED' })
    return null
  }
}

module.exports = { writeCheckReport }
