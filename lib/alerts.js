'use strict'
// What a guard sends, per leak identity (a memory kind; an emitter/event
// pair; an object label): reports at most once per `minIntervalMs` (later
// ones in the interval are coalesced: the newest goes out when it ends), a
// reminder every `realertMs` while the leak goes on, and a `resolved`
// report when a reported leak is over. The detectors already report a leak
// once and again only when its severity rises; this gate only spaces and
// closes what they report.

/** The identity a report is rate-limited and resolved under, or null (one-off reports). */
function identityOf(report) {
  if (report.kind === 'listeners') return `listeners:${report.emitter}:${report.eventName}`
  if (report.kind === 'objects') return report.reason === 'growing' ? `objects:${report.label}` : null
  return report.kind
}

/** Describes a duration for a message: "42 s", "3.5 min", "2.1 h". */
function duration(ms) {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`
  return `${(ms / 3_600_000).toFixed(1)} h`
}

/** What a resolved report's message says leaked. */
function subject(report) {
  if (report.kind === 'heap') return 'V8 heap growth'
  if (report.kind === 'external') return 'External memory growth'
  if (report.kind === 'native') return 'Native memory growth'
  if (report.kind === 'listeners') return `Listener growth on ${report.emitter} '${report.eventName}'`
  return `Growth of alive '${report.label}' objects`
}

class AlertGate {
  /**
   * @param {object} settings
   * @param {number} settings.minIntervalMs least time between two reports of one identity
   * @param {number} settings.realertMs reminder interval while a leak goes on (0: none)
   * @param {(report: object) => void} settings.sendLeak
   * @param {(report: object) => void} settings.sendResolved
   */
  constructor({ minIntervalMs, realertMs, sendLeak, sendResolved }) {
    this.minIntervalMs = minIntervalMs
    this.realertMs = realertMs
    this.sendLeak = sendLeak
    this.sendResolved = sendResolved
    /** identity -> { first, latest, lastSentAt, pending } */
    this.open = new Map()
  }

  /** Whether any reported leak is open (the guard then checks which still are, each sample). */
  get size() {
    return this.open.size
  }

  /** A report from a detector, at `now` (ms since the epoch). */
  offer(report, now) {
    const identity = identityOf(report)
    if (identity === null) return this.sendLeak(report)
    const entry = this.open.get(identity)
    if (!entry) {
      this.open.set(identity, { first: report, firstAt: now, latest: report, lastSentAt: now, pending: null })
      return this.sendLeak(report)
    }
    entry.latest = report
    if (now - entry.lastSentAt >= this.minIntervalMs) {
      entry.lastSentAt = now
      entry.pending = null
      return this.sendLeak(report)
    }
    entry.pending = report
  }

  /**
   * Once a sample: sends coalesced reports whose interval ended, reminders,
   * and `resolved` for identities `stillLeaking(identity)` denies.
   */
  tick(now, stillLeaking) {
    for (const [identity, entry] of this.open) {
      if (entry.pending && now - entry.lastSentAt >= this.minIntervalMs) {
        const report = entry.pending
        entry.pending = null
        entry.lastSentAt = now
        this.sendLeak(report)
      }
      if (!stillLeaking(identity)) {
        this.open.delete(identity)
        // A coalesced report still waiting goes out before the resolution.
        if (entry.pending) this.sendLeak(entry.pending)
        this.sendResolved(resolvedReport(identity, entry, now))
        continue
      }
      if (this.realertMs > 0 && now - entry.lastSentAt >= this.realertMs) {
        entry.lastSentAt = now
        this.sendLeak({ ...entry.latest, repeat: true, message: `${entry.latest.message} (still leaking after ${duration(now - entry.firstAt)})` })
      }
    }
  }
}

/** The report that closes `entry`'s leak. */
function resolvedReport(identity, entry, now) {
  const last = entry.latest
  const report = {
    kind: last.kind,
    resolved: true,
    identity,
    message: `${subject(last)} stopped: no longer reported as leaking, ${duration(now - entry.firstAt)} after it was first reported (last seen at ${last.severity} severity)`,
    severity: last.severity,
    firstReportedAt: entry.firstAt,
    resolvedAt: now,
    durationMs: now - entry.firstAt,
  }
  if (last.kind === 'listeners') Object.assign(report, { emitter: last.emitter, eventName: last.eventName })
  if (last.kind === 'objects') report.label = last.label
  return report
}

module.exports = { AlertGate, identityOf }
