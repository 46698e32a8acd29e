'use strict'
// Reports and callback failures sent through `process.emitWarning`, the way
// Node sends `MaxListenersExceededWarning`: a named Error with structured fields.

/** Emits `report` as a `LeakWarning`; the fields of the report are on the warning. */
function emitLeakWarning(report) {
  const warning = new Error(report.message)
  warning.name = 'LeakWarning'
  warning.code = 'LEAKGUARD_LEAK'
  warning.kind = report.kind
  warning.severity = report.severity
  warning.growthPerMinute = report.growthPerMinute
  warning.current = report.current
  warning.report = report
  process.emitWarning(warning)
}

/** Emits a `resolved` report as a warning named `LeakResolved` (code `LEAKGUARD_RESOLVED`). */
function emitResolvedWarning(report) {
  const warning = new Error(report.message)
  warning.name = 'LeakResolved'
  warning.code = 'LEAKGUARD_RESOLVED'
  warning.kind = report.kind
  warning.report = report
  process.emitWarning(warning)
}

/** Emits a `LeakCallbackWarning` for an `onLeak` that threw or rejected. */
function emitCallbackWarning(error, report) {
  const reason = error instanceof Error ? error.message : String(error)
  const warning = new Error(`onLeak threw while handling a ${report.kind} report: ${reason}`, { cause: error })
  warning.name = 'LeakCallbackWarning'
  warning.code = 'LEAKGUARD_CALLBACK_FAILED'
  warning.report = report
  process.emitWarning(warning)
}

/** Emits a heap snapshot comparison as a warning named `LeakAnalysis` (code `LEAKGUARD_ANALYSIS`). */
function emitAnalysisWarning(result) {
  const warning = new Error(result.message)
  warning.name = 'LeakAnalysis'
  warning.code = 'LEAKGUARD_ANALYSIS'
  warning.files = result.files
  warning.analysis = result.analysis
  warning.report = result.report
  process.emitWarning(warning)
}

module.exports = { emitAnalysisWarning, emitCallbackWarning, emitLeakWarning, emitResolvedWarning }
