'use strict'
// Where a guard's findings go once the alert gate lets them through (and a
// heap report has its sites): their sentence, a snapshot with its follow-up
// comparison, the recorder, the log as `log` says, leakguard's own
// observers (metrics), and `onLeak` and the `on()` subscribers, each
// isolated from the others.

const { describe, describeAnalysis } = require('../report/describe')
const { ReportLog } = require('../alerting/report-log')
const { GuardEvents } = require('./events')

class GuardFindings {
  /**
   * @param {object} o
   * @param {object} o.options the guard's normalized options (`log`, `onLeak`)
   * @param {object} o.recorder the guard's Recorder (lib/report/recorder.js)
   * @param {object | null} o.snapshots the guard's SnapshotTaker, when `snapshot` is set
   * @param {object} o.sites the guard's GuardSites (a heap report's sites are added as it goes out)
   * @param {object} o.overhead the guard's Overhead (a snapshot comparison's delivery is its time)
   * @param {(identity: string) => boolean} o.isOpen whether a leak is still reported and the guard runs
   */
  constructor({ options, recorder, snapshots, sites, overhead, isOpen }) {
    this.options = options
    this.recorder = recorder
    this.snapshots = snapshots
    this.sites = sites
    this.overhead = overhead
    this.isOpen = isOpen
    /** `on('leak')`, `on('resolved')` and `on('analysis')` subscribers. */
    this.events = new GuardEvents()
    /** Where findings are logged, as `options.log` says. */
    this.log = new ReportLog(options.log)
    /** leakguard's own observers of reports (metrics): not subscribers, so they change no logging. */
    this.observers = []
    /** Reports sent so far. */
    this.sent = 0
  }

  /** Sends a leak report to every destination. */
  leak(report) {
    this.sent++
    if (report.kind === 'heap' && !report.repeat) this.sites.addTo(report)
    report.message = describe(report)
    if (this.snapshots) {
      const identity = report.identity
      const shot = this.snapshots.maybeTake(report, identity)
      if (shot) {
        report.snapshot = shot
        this.snapshots.followUp(report, shot.path, () => this.isOpen(identity), (result) => this.overhead.measure(() => this.analysis(result)))
      }
    }
    this.recorder.report(report)
    this.log.leak(report, this.heard())
    for (const observe of this.observers) observe(report)
    // A failing subscriber loses no report: the failure is logged, and the report too if it was not.
    this.events.emit('leak', report, (error) => this.log.failure(error, report, { leak: true }), this.options.onLeak)
  }

  /**
   * A reported leak is over: `resolved` subscribers get the report; it is
   * logged as `options.log` says (unset: only when the guard has no
   * subscriber of any kind).
   */
  resolved(report) {
    report.message = describe(report)
    this.recorder.resolved(report)
    this.log.resolved(report, this.heard())
    this.events.emit('resolved', report, (error) => this.log.failure(error, report))
  }

  /**
   * A heap report's two snapshots were compared (lib/snapshot/snapshots.js
   * followUp): `analysis` subscribers get `{ report, files, analysis,
   * message }` (or `error` in place of `analysis`); it is logged as
   * `options.log` says (unset: only when nobody subscribed to 'analysis').
   */
  analysis(result) {
    result.message = describeAnalysis(result)
    this.recorder.analysis(result)
    this.log.analysis(result, this.heard())
    this.events.emit('analysis', result, (error) => this.log.failure(error, result.report))
  }

  /** Who subscribed, for the log's rules (lib/alerting/report-log.js). */
  heard() {
    return { leak: Boolean(this.options.onLeak) || this.events.count('leak') > 0, resolved: this.events.count('resolved') > 0, analysis: this.events.count('analysis') > 0 }
  }

  /** leakguard's own: `observe(report)` sees every report sent (it must not throw); returns the removal. */
  observe(observe) {
    this.observers.push(observe)
    return () => {
      const at = this.observers.indexOf(observe)
      if (at >= 0) this.observers.splice(at, 1)
    }
  }
}

module.exports = { GuardFindings }
