'use strict'
// What a guard sends, per leak identity (the core's: a memory kind; an
// emitter/event pair; an object label): reports at most once per `minIntervalMs` (later
// ones in the interval are coalesced: the newest goes out when it ends), a
// reminder every `realertMs` while the leak goes on, and a `resolved`
// report when a reported leak is over. The detectors already report a leak
// once and again only when its severity rises; this gate only spaces and
// closes what they report.

/**
 * The identity a report is rate-limited and resolved under (the core's
 * `report.identity`), or null for one-off reports (an overdue object).
 */
function identityOf(report) {
  return report.reason === 'overdue' ? null : report.identity
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

  /** Whether any reported leak is open. */
  get size() {
    return this.open.size
  }

  /** The latest report of the open leak of `identity`, or null. */
  latestOf(identity) {
    const entry = this.open.get(identity)
    return entry ? entry.latest : null
  }

  /** Whether the leak of `identity` was reported and is not over. */
  isOpen(identity) {
    return this.open.has(identity)
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

  /** Once a sample: sends coalesced reports whose interval ended, and reminders. */
  tick(now) {
    for (const entry of this.open.values()) {
      if (entry.pending && now - entry.lastSentAt >= this.minIntervalMs) {
        const report = entry.pending
        entry.pending = null
        entry.lastSentAt = now
        this.sendLeak(report)
      }
      if (this.realertMs > 0 && now - entry.lastSentAt >= this.realertMs) {
        entry.lastSentAt = now
        this.sendLeak({ ...entry.latest, repeat: true, leakingForMs: now - entry.firstAt })
      }
    }
  }

  /** The detectors say the leak of `identity` is over: `resolved` goes out if it was reported. */
  end(identity, now) {
    const entry = this.open.get(identity)
    if (!entry) return
    this.open.delete(identity)
    // A coalesced report still waiting goes out before the resolution.
    if (entry.pending) this.sendLeak(entry.pending)
    this.sendResolved(resolvedReport(identity, entry, now))
  }
}

/** The report that closes `entry`'s leak. */
function resolvedReport(identity, entry, now) {
  const last = entry.latest
  const report = {
    kind: last.kind,
    resolved: true,
    identity,
    severity: last.severity,
    firstReportedAt: entry.firstAt,
    resolvedAt: now,
    durationMs: now - entry.firstAt,
  }
  if (last.kind === 'listeners') Object.assign(report, { emitter: last.emitter, eventName: last.eventName })
  if (last.kind === 'objects') report.label = last.label
  return report
}

module.exports = { AlertGate }
