'use strict'
// Reports as JSON lines on stderr (`log: 'json'`, LEAKGUARD_LOG=json): one
// object per line, stable field names, ready for log shippers.

const os = require('node:os')
const { threadId } = require('node:worker_threads')

const hostname = os.hostname()

/**
 * One JSON line: `time` (ISO 8601), `level`, `name`, `code`, `pid`,
 * `hostname`, `threadId`, then `fields`. A value JSON cannot hold (a BigInt
 * from an app's track label, say) is written as text rather than lose the line.
 */
function jsonRecord(name, code, level, fields) {
  const line = { time: new Date().toISOString(), level, name, code, pid: process.pid, hostname, threadId, ...fields }
  return JSON.stringify(line, (_, value) => (typeof value === 'bigint' ? String(value) : value))
}

/**
 * The line for `report`: `time` (ISO 8601), `level` ('warn'; 'info' for a
 * resolution), `name` ('LeakWarning', 'LeakResolved' or 'LeakCallbackWarning'), `code`, `pid`, `hostname`,
 * `threadId`, then the report's own fields under `report`, and `error` (the
 * callback's message) for a failed callback, then `extra`'s fields.
 */
function jsonLine(name, code, report, error, level = 'warn', extra = {}) {
  const reason = error === undefined ? undefined : error instanceof Error ? error.message : String(error)
  const message = reason === undefined ? report.message : `a subscriber threw while handling a ${report.kind} report: ${reason}`
  const fields = { message, report, ...extra }
  if (reason !== undefined) fields.error = reason
  return jsonRecord(name, code, level, fields)
}

/** The line of a leak report. */
const leakLine = (report) => jsonLine('LeakWarning', 'LEAKGUARD_LEAK', report)
/** The line of a `resolved` report (level 'info'). */
const resolvedLine = (report) => jsonLine('LeakResolved', 'LEAKGUARD_RESOLVED', report, undefined, 'info')
/** The line of an `onLeak`/subscriber failure. */
const callbackFailureLine = (error, report) => jsonLine('LeakCallbackWarning', 'LEAKGUARD_CALLBACK_FAILED', report, error)

/**
 * The line of a snapshot comparison: name 'LeakAnalysis', `report` the leak
 * it explains, `analysis` the top classes with their retainer paths (or
 * `error`), `files` the two snapshots.
 */
function analysisLine(result) {
  const { analysis } = result
  const extra = { message: result.message, files: result.files, ...(analysis ? { analysis: { classes: analysis.classes, newObjects: analysis.newObjects } } : { error: result.error }) }
  return jsonLine('LeakAnalysis', 'LEAKGUARD_ANALYSIS', result.report, undefined, 'warn', extra)
}

function writeLine(line) {
  process.stderr.write(`${line}\n`)
}

/** Writes `report` as one JSON line on stderr. */
const logLeakJson = (report) => writeLine(leakLine(report))
/** Writes a `resolved` report as one JSON line on stderr. */
const logResolvedJson = (report) => writeLine(resolvedLine(report))
/** Writes an `onLeak`/subscriber failure as one JSON line on stderr. */
const logCallbackFailureJson = (error, report) => writeLine(callbackFailureLine(error, report))
/** Writes a snapshot comparison as one JSON line on stderr. */
const logAnalysisJson = (result) => writeLine(analysisLine(result))

module.exports = {
  analysisLine,
  callbackFailureLine,
  jsonRecord,
  leakLine,
  logAnalysisJson,
  logCallbackFailureJson,
  logLeakJson,
  logResolvedJson,
  resolvedLine,
  writeLine,
}
