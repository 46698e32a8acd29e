'use strict'
// Where a guard's findings are logged, by the `log` option: one rule per
// mode and finding, in one table, over the two sinks (JSON lines on stderr,
// lib/alerting/json-log.js; named warnings, lib/alerting/warnings.js).

const { logAnalysisJson, logCallbackFailureJson, logLeakJson, logResolvedJson } = require('./json-log')
const { emitAnalysisWarning, emitCallbackWarning, emitLeakWarning, emitResolvedWarning } = require('./warnings')

/**
 * Whether a finding is logged, by mode; `heard` says who subscribed:
 * `{ leak }` (onLeak or on('leak')), `{ resolved }`, `{ analysis }`.
 * 'auto' (log unset) logs what nobody hears: a report when nobody takes
 * reports, a resolution when nobody takes anything, an analysis when nobody
 * takes analyses.
 */
const RULES = {
  auto: {
    leak: (heard) => !heard.leak,
    resolved: (heard) => !heard.leak && !heard.resolved,
    analysis: (heard) => !heard.analysis,
  },
  warning: { leak: () => true, resolved: () => true, analysis: () => true },
  json: { leak: () => true, resolved: () => true, analysis: () => true },
  off: { leak: () => false, resolved: () => false, analysis: () => false },
}

/** A guard's log: `mode` is the normalized `log` option ('auto', 'warning', 'json' or 'off'). */
class ReportLog {
  constructor(mode) {
    this.mode = mode
    this.rules = RULES[mode]
    this.json = mode === 'json'
    /** Reports already logged (a failing subscriber logs the report only if it was not). */
    this.logged = new WeakSet()
  }

  /** A leak report, as `heard` says. */
  leak(report, heard) {
    if (this.rules.leak(heard)) this.writeLeak(report)
  }

  /** A resolved report, as `heard` says. */
  resolved(report, heard) {
    if (!this.rules.resolved(heard)) return
    if (this.json) logResolvedJson(report)
    else emitResolvedWarning(report)
  }

  /** A snapshot comparison's result, as `heard` says. */
  analysis(result, heard) {
    if (!this.rules.analysis(heard)) return
    if (this.json) logAnalysisJson(result)
    else emitAnalysisWarning(result)
  }

  /**
   * A subscriber threw or rejected: always logged, whatever the mode (a
   * finding is never lost to a failing callback); for a leak report, the
   * report too if it was not logged already.
   */
  failure(error, report, { leak = false } = {}) {
    if (this.json) logCallbackFailureJson(error, report)
    else emitCallbackWarning(error, report)
    if (leak && !this.logged.has(report)) this.writeLeak(report)
  }

  writeLeak(report) {
    this.logged.add(report)
    if (this.json) logLeakJson(report)
    else emitLeakWarning(report)
  }
}

module.exports = { ReportLog }
