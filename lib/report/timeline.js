'use strict'
// A guard's memory over time, kept bounded for any run length: the levels
// each sample judged (heap live level, external, native, listeners) and the
// events that mark them (warm-up end, suspicions, forced GCs, reports,
// resolutions, analyses). When full, every other point is dropped and later
// samples are kept at half the rate, so a day fits as well as a minute.

/** The series of a timeline, in the order a sample gives them. */
const SERIES = ['heap', 'external', 'native', 'listeners']

/** Points kept at most (each series), and events. */
const MAX_POINTS = 1200
const MAX_EVENTS = 1000

/** Events that mark a phase of the run: kept when older events are dropped. */
const MILESTONES = new Set(['warmed-up', 'settled'])

/** Rounds a level for storage: whole bytes or counts; NaN (a kind that is off) is null. */
function level(value) {
  return typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : null
}

class Timeline {
  constructor({ maxPoints = MAX_POINTS, maxEvents = MAX_EVENTS } = {}) {
    this.maxPoints = maxPoints
    this.maxEvents = maxEvents
    this.t = []
    this.series = Object.fromEntries(SERIES.map((name) => [name, []]))
    /** Keep one sample in `stride`. */
    this.stride = 1
    this.seen = 0
    this.events = []
    /** Events dropped because the list was full (the newest, and the milestones, are kept). */
    this.droppedEvents = 0
  }

  /** One sample's levels at `at` (ms since the epoch): `{ heap, external, native, listeners }`. */
  sample(at, levels) {
    if (this.seen++ % this.stride !== 0) return
    if (this.t.length >= this.maxPoints) this.halve()
    this.t.push(Math.round(at))
    for (const name of SERIES) this.series[name].push(level(levels[name]))
  }

  halve() {
    const keep = (_, i) => i % 2 === 0
    this.t = this.t.filter(keep)
    for (const name of SERIES) this.series[name] = this.series[name].filter(keep)
    this.stride *= 2
  }

  /** An event at `at`: `type` and plain-data `fields`. When full, the oldest event that is not a milestone goes. */
  event(at, type, fields) {
    if (this.events.length >= this.maxEvents) {
      const oldest = this.events.findIndex((e) => !MILESTONES.has(e.type))
      this.events.splice(oldest === -1 ? 0 : oldest, 1)
      this.droppedEvents++
    }
    this.events.push({ at: Math.round(at), type, ...fields })
  }

  /** The timeline as plain data: `{ t, heap, external, native, listeners, events }`. */
  toJSON() {
    return { t: [...this.t], ...Object.fromEntries(SERIES.map((name) => [name, [...this.series[name]]])), events: [...this.events], droppedEvents: this.droppedEvents }
  }
}

/**
 * Points and events since the last `take()`, for JSON lines: samples in
 * compact form (`t0` and offsets, whole numbers), bounded between takes.
 */
class TimelineChunks {
  constructor({ maxPoints = MAX_POINTS } = {}) {
    this.maxPoints = maxPoints
    this.clear()
  }

  clear() {
    this.t = []
    this.series = Object.fromEntries(SERIES.map((name) => [name, []]))
    this.events = []
  }

  sample(at, levels) {
    if (this.t.length >= this.maxPoints) return
    this.t.push(Math.round(at))
    for (const name of SERIES) this.series[name].push(level(levels[name]))
  }

  event(at, type, fields) {
    if (this.events.length < this.maxPoints) this.events.push({ at: Math.round(at), type, ...fields })
  }

  /** `{ t0, dt, heap, external, native, listeners, events }` and a fresh chunk, or null when empty. */
  take() {
    if (this.t.length === 0 && this.events.length === 0) return null
    const t0 = this.t.length > 0 ? this.t[0] : this.events[0].at
    const chunk = { t0, dt: this.t.map((t) => t - t0), ...this.series, events: this.events }
    this.clear()
    return chunk
  }
}

module.exports = { SERIES, Timeline, TimelineChunks }
