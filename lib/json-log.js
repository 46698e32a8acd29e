'use strict'
// Reports as JSON lines on stderr (`log: 'json'`, LEAKGUARD_LOG=json): one
// object per line, stable field names, ready for log shippers.

const os = require('node:os')
const { threadId } = require('node:worker_threads')

const hostname = os.hostname()

/**
 * The line for `report`: `time` (ISO 8601), `level` ('warn'; 'info' for a
 * resolution), `name` ('LeakWarning', 'LeakResolved' or 'LeakCallbackWarning'), `code`, `pid`, `hostname`,
 * `threadId`, then the report's own fields under `report`, and `error` (the
 * callback's message) for a failed callback, then `extra`'s fields.
 */
function jsonLine(name, code, report, error, level = 'warn', extra = {}) {
  const reason = error === undefined ? undefined : error instanceof Error ? error.message : String(error)
  const message = reason === undefined ? report.message : `a subscriber threw while handling a ${report.kind} report: ${reason}`
  const line = { time: new Date().toISOString(), level, name, code, message, pid: process.pid, hostname, threadId, report, ...extra }
  if (reason !== undefined) line.error = reason
  // A report holds plain data; a value JSON cannot hold (a BigInt from an
  // app's track label, say) is written as text rather than lose the line.
  return JSON.stringify(line, (_, value) => (typeof value === 'bigint' ? String(value) : value))
}

/** Writes `report` as one JSON line on stderr. */
function logLeakJson(report) {
  process.stderr.write(`${jsonLine('LeakWarning', 'LEAKGUARD_LEAK', report)}\n`)
}

/** Writes a `resolved` report as one JSON line on stderr (level 'info'). */
function logResolvedJson(report) {
  process.stderr.write(`${jsonLine('LeakResolved', 'LEAKGUARD_RESOLVED', report, undefined, 'info')}\n`)
}

/** Writes an `onLeak`/subscriber failure as one JSON line on stderr. */
function logCallbackFailureJson(error, report) {
  process.stderr.write(`${jsonLine('LeakCallbackWarning', 'LEAKGUARD_CALLBACK_FAILED', report, error)}\n`)
}

/**
 * Writes a snapshot comparison as one JSON line on stderr: name
 * 'LeakAnalysis', `report` the leak it explains, `analysis` the top classes
 * with their retainer paths (or `error`), `files` the two snapshots.
 */
function logAnalysisJson(result) {
  const { analysis } = result
  const extra = { message: result.message, files: result.files, ...(analysis ? { analysis: { classes: analysis.classes, newObjects: analysis.newObjects } } : { error: result.error }) }
  process.stderr.write(`${jsonLine('LeakAnalysis', 'LEAKGUARD_ANALYSIS', result.report, undefined, 'warn', extra)}\n`)
}

module.exports = { logAnalysisJson, logCallbackFailureJson, logLeakJson, logResolvedJson }
