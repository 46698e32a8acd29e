'use strict'
// Reports and callback failures sent through `process.emitWarning`, the way
// Node sends `MaxListenersExceededWarning`: a named Error with structured fields.

/** Emits an Error named `name` with `code`, `message` and `fields` on it. */
function emitNamedWarning(name, code, message, fields, options) {
  const warning = new Error(message, options)
  warning.name = name
  warning.code = code
  Object.assign(warning, fields)
  process.emitWarning(warning)
}

/** Emits `report` as a `LeakWarning`; the fields of the report are on the warning. */
function emitLeakWarning(report) {
  const { kind, severity, growthPerMinute, current } = report
  emitNamedWarning('LeakWarning', 'LEAKGUARD_LEAK', report.message, { kind, severity, growthPerMinute, current, report })
}

/** Emits a `resolved` report as a warning named `LeakResolved` (code `LEAKGUARD_RESOLVED`). */
function emitResolvedWarning(report) {
  emitNamedWarning('LeakResolved', 'LEAKGUARD_RESOLVED', report.message, { kind: report.kind, report })
}

/** Emits a `LeakCallbackWarning` for an `onLeak` that threw or rejected. */
function emitCallbackWarning(error, report) {
  const reason = error instanceof Error ? error.message : String(error)
  const message = `onLeak threw while handling a ${report.kind} report: ${reason}`
  emitNamedWarning('LeakCallbackWarning', 'LEAKGUARD_CALLBACK_FAILED', message, { report }, { cause: error })
}

/** Emits a heap snapshot comparison as a warning named `LeakAnalysis` (code `LEAKGUARD_ANALYSIS`). */
function emitAnalysisWarning(result) {
  const { files, analysis, report } = result
  emitNamedWarning('LeakAnalysis', 'LEAKGUARD_ANALYSIS', result.message, { files, analysis, report })
}

module.exports = { emitAnalysisWarning, emitCallbackWarning, emitLeakWarning, emitNamedWarning, emitResolvedWarning }
