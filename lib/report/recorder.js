'use strict'
// What a guard keeps for its report (`guard.report()`, `leakguard run`,
// `leakguard report`): the run's context, its timeline and events, and the
// reports it sent. With a JSON sink (`log: 'json'` on stderr, or a record
// file) the same facts go out as JSON lines a report can be rendered from:
// `LeakguardStarted`, `LeakTimeline` (compact samples) and
// `LeakguardStopped`, beside the leak, resolution and analysis lines.

const fs = require('node:fs')
const { Timeline, TimelineChunks } = require('./timeline')
const { analysisLine, jsonRecord, leakLine, resolvedLine, writeLine } = require('../alerting/json-log')
const { codedError } = require('../errors')

/** Reports kept for the in-process report (the newest; each leak's first is kept apart). */
const MAX_REPORTS = 200

/** The options as plain data (functions and objects that are not plain left out). */
function plainOptions(options) {
  return JSON.parse(JSON.stringify(options, (key, value) => (typeof value === 'function' ? undefined : value)))
}

/** A sink that appends lines to a file opened once, 0600; a failed write turns it off with a warning. */
class RecordFile {
  constructor(file) {
    try {
      this.fd = fs.openSync(file, 'a', 0o600)
    } catch (error) {
      throw codedError('ERR_LEAKGUARD_RECORD_FILE', `The record file ${file} cannot be written: ${error.message}`, { cause: error })
    }
    this.file = file
  }

  write(line) {
    if (this.fd === null) return
    try {
      fs.writeSync(this.fd, `${line}\n`)
    } catch (error) {
      this.close()
      process.emitWarning(`leakguard stopped recording into ${this.file}: ${error.message}`, { code: 'LEAKGUARD_RECORD_FAILED' })
    }
  }

  close() {
    if (this.fd === null) return
    try {
      fs.closeSync(this.fd)
    } catch {}
    this.fd = null
  }
}

class Recorder {
  /**
   * @param {object} settings
   * @param {object} settings.options the guard's normalized options
   * @param {number} settings.heapLimit bytes
   * @param {boolean} settings.jsonLog whether reports go to stderr as JSON lines
   * @param {string | null} settings.recordFile a file to append every line to
   * @param {number} settings.flushMs how often timeline lines are written
   */
  constructor({ options, heapLimit, jsonLog, recordFile, flushMs }) {
    this.timeline = new Timeline()
    this.reports = []
    this.firstReports = new Map()
    this.analyses = []
    this.file = recordFile ? new RecordFile(recordFile) : null
    this.jsonLog = jsonLog
    this.chunks = this.file || jsonLog ? new TimelineChunks() : null
    this.flushMs = flushMs
    this.lastFlush = 0
    this.context = {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      heapLimit,
      startedAt: Date.now(),
      script: process.argv[1] || null,
      options: plainOptions(options),
    }
    this.emit(() => jsonRecord('LeakguardStarted', 'LEAKGUARD_START', 'info', { context: this.context }))
    // A process that dies of an exception still writes what it sampled since the last flush.
    if (this.file) {
      this.onExit = () => this.flush()
      process.on('exit', this.onExit)
    }
  }

  /** Writes the line `make()` builds to every sink (built only when there is one). */
  emit(make, { toLog = true } = {}) {
    if (!this.file && !(this.jsonLog && toLog)) return
    const line = make()
    if (this.file) this.file.write(line)
    if (this.jsonLog && toLog) writeLine(line)
  }

  /** One sample's levels. */
  sample(at, levels) {
    this.timeline.sample(at, levels)
    if (!this.chunks) return
    this.chunks.sample(at, levels)
    if (at - this.lastFlush >= this.flushMs) this.flush(at)
  }

  /** A timeline event (warm-up end, suspicion, forced GC, report, resolution, analysis). */
  event(at, type, fields = {}) {
    this.timeline.event(at, type, fields)
    if (this.chunks) this.chunks.event(at, type, fields)
  }

  /** Writes the samples and events since the last flush. */
  flush(at = Date.now()) {
    this.lastFlush = at
    const chunk = this.chunks && this.chunks.take()
    if (chunk) this.emit(() => jsonRecord('LeakTimeline', 'LEAKGUARD_TIMELINE', 'debug', { timeline: chunk }))
  }

  /** A report the guard sent (its JSON line already went to stderr when `log` is 'json'). */
  report(report) {
    this.event(report.detectedAt || Date.now(), 'report', { identity: report.identity, kind: report.kind, severity: report.severity, repeat: Boolean(report.repeat) })
    if (report.identity && !this.firstReports.has(report.identity)) this.firstReports.set(report.identity, report)
    this.reports.push(report)
    if (this.reports.length > MAX_REPORTS) this.reports.shift()
    this.emit(() => leakLine(report), { toLog: false })
  }

  /** A reported leak is over. */
  resolved(report) {
    this.event(report.resolvedAt, 'resolved', { identity: report.identity, kind: report.kind })
    this.reports.push(report)
    if (this.reports.length > MAX_REPORTS) this.reports.shift()
    this.emit(() => resolvedLine(report), { toLog: false })
  }

  /** A heap report's snapshots were compared. */
  analysis(result) {
    this.event(Date.now(), 'analysis', { identity: result.report.identity })
    this.analyses.push(result)
    if (this.analyses.length > MAX_REPORTS) this.analyses.shift()
    this.emit(() => analysisLine(result), { toLog: false })
  }

  /** The guard stops: the last samples and a closing line. */
  stop(stats) {
    this.flush()
    this.emit(() => jsonRecord('LeakguardStopped', 'LEAKGUARD_STOP', 'info', { stats: { forcedGcs: stats.forcedGcs, forcedGcsBy: stats.forcedGcsBy, reports: stats.reports, samples: stats.samples } }))
    if (this.file) {
      process.off('exit', this.onExit)
      this.file.close()
    }
  }

  /** This process as a report document's process entry (see lib/report/document.js). */
  toProcess(identity, stats) {
    const reports = [...new Set([...this.firstReports.values(), ...this.reports])].sort((a, b) => (a.detectedAt || a.resolvedAt) - (b.detectedAt || b.resolvedAt))
    return {
      ...identity,
      context: this.context,
      timeline: this.timeline.toJSON(),
      reports,
      analyses: [...this.analyses],
      stats: { forcedGcs: stats.forcedGcs, forcedGcsBy: stats.forcedGcsBy, reports: stats.reports, samples: stats.samples },
    }
  }
}

module.exports = { Recorder }
