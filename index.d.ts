// leakguard: finds memory leaks inside a running Node.js process.

/** What leaks: where the memory lives, or what piles up. */
export type LeakKind = 'heap' | 'external' | 'native' | 'listeners' | 'objects'

/** The memory kinds, judged on their own. */
export type MemoryKind = 'heap' | 'external' | 'native'

/** How urgent a report is. */
export type Severity = 'low' | 'medium' | 'high'

/** One point a verdict was drawn from. */
export interface SamplePoint {
  /** Milliseconds since the epoch. */
  at: number
  /** Bytes, or a count. */
  value: number
}

/** What every report carries. */
export interface ReportBase {
  kind: LeakKind
  /** One line a person can act on. */
  message: string
  severity: Severity
  /** Growth in bytes (listeners, objects: items) per minute. */
  growthPerMinute: number
  /** The latest level in bytes (listeners, objects: items). */
  current: number
  /** When the report was made, in milliseconds since the epoch. */
  detectedAt: number
  /** The baseline points judged (at most `maxSamples`). */
  samples: SamplePoint[]
  /** One-sided Mann–Kendall p-value of the growth trend. */
  pValue: number
  /** True when this report raises the severity of an earlier one on the same trend. */
  escalated: boolean
}

/** Memory that keeps growing in one place: the V8 heap, external memory, or native memory. */
export interface MemoryLeakReport extends ReportBase {
  kind: MemoryKind
  /** For `'heap'`: milliseconds until the heap limit at this rate. */
  msUntilLimit?: number
}

/** A code site and how many sampled calls came from it. */
export interface CodeSite {
  /** `file:line:column` of the first frame outside Node and leakguard. */
  site: string
  /** Sampled calls from this site. */
  count: number
  /** The first user frames of one stack from this site, top first. */
  frames: string[]
}

/** Listeners piling up on one emitter and event. `current` is the listener count. */
export interface ListenerLeakReport extends ReportBase {
  kind: 'listeners'
  /** The emitter's constructor name, with a short description where cheap (`'Socket 10.0.0.5:443'`, `'process'`). */
  emitter: string
  /** The event name (`String(symbol)` for symbols). */
  eventName: string
  /** Where the piling listeners are added, most frequent first (sampled adds). */
  addSites: CodeSite[]
}

/**
 * Application-named objects that stay alive. `reason: 'growing'`: the label's
 * alive population keeps growing across full GCs (`current` is the alive
 * count). `reason: 'overdue'`: one object outlived its `expectCollected()`
 * deadline and two full GCs (`ageMs` says how old it is).
 */
export interface ObjectLeakReport extends ReportBase {
  kind: 'objects'
  reason: 'growing' | 'overdue'
  /** The label the objects are tracked under. */
  label: string
  /** Objects tracked under the label so far. */
  created: number
  /** Of those, collected so far. */
  collected: number
  /** Where they were created (sampled), most frequent first. */
  creationSites: CodeSite[]
  /** For `'overdue'`: the object's age in milliseconds. */
  ageMs?: number
}

/** A leak finding: plain data, handed to `onLeak` or sent as a `LeakWarning`. Narrow on `kind`. */
export type LeakReport = MemoryLeakReport | ListenerLeakReport | ObjectLeakReport

/** Rate thresholds of one memory kind; growth must pass both to be reported. */
export interface KindThresholds {
  /** Growth below this many bytes a minute is never reported. */
  bytesPerMinute?: number
  /** Growth below this fraction of the current level an hour is never reported (0.1 = 10 %/h). */
  relativePerHour?: number
}

export interface StartOptions {
  /** Sampling interval in milliseconds. Default 1000. */
  intervalMs?: number
  /** Receives every report. Without it, reports go out as `LeakWarning` warnings. */
  onLeak?: (report: LeakReport) => void | Promise<void>
  /** Samples ignored after start. Default 8. */
  warmupSamples?: number
  /** Baseline points needed before a verdict. Default 24. */
  minSamples?: number
  /** Baseline points judged at most. Default 120. */
  maxSamples?: number
  /** Whether a suspected trend may force two full GCs to confirm itself. Default true. */
  confirmWithGc?: boolean
  /** Per-kind thresholds. Defaults: heap 512 KiB/min, external and native 1 MiB/min; all 10 %/h. */
  thresholds?: Partial<Record<MemoryKind, KindThresholds>>
  /** Watch EventEmitter listeners (default true); `minGrowthPerMinute` defaults to 5. */
  listeners?: boolean | { minGrowthPerMinute?: number }
  /** Tracked objects: growth below `minGrowthPerMinute` (default 10) alive objects a minute is never reported. */
  objects?: { minGrowthPerMinute?: number }
}

/** Where one memory kind stands. */
export interface MemoryKindStatus {
  kind: MemoryKind
  /** The latest baseline point in bytes. */
  baseline: number
  state: 'off' | 'warming-up' | 'watching' | 'suspected' | 'leaking'
  /** The rate last reported, while leaking. */
  growthPerMinute?: number
}

export interface GuardStats {
  running: boolean
  intervalMs: number
  /** Reports made so far. */
  reports: number
  /** Samples taken so far. */
  samples: number
  /** Confirming full GCs leakguard ran. */
  forcedGcs: number
  /** Where native memory is read from. */
  nativeSource: 'mallinfo2' | 'statm' | 'unavailable'
  /** The latest sample, or null before the first. */
  latest: {
    heapUsed: number
    heapTotal: number
    heapLimit: number
    external: number
    arrayBuffers: number
    rss: number
  } | null
  memory: MemoryKindStatus[]
  /** Listener tracking, or null with `listeners: false`. */
  listeners: {
    /** Emitter/event pairs tracked (long listener arrays seen more than once). */
    tracked: number
    /** The tracked pairs with the most listeners. */
    top: Array<{ emitter: string; eventName: string; count: number; leaking: boolean }>
  } | null
  objects: {
    /** Every label, most alive first. */
    labels: Array<{ label: string; alive: number; created: number; collected: number; leaking: boolean }>
    /** `expectCollected()` objects not yet settled. */
    expectations: number
  }
}

/** A running watch over this thread, returned by `start()`. */
export interface Guard {
  /** Stops watching and undoes everything `start()` did. Idempotent. */
  stop(): void
  /** The latest figures. */
  stats(): GuardStats
  /**
   * Weak-tracks `obj` under `label` (never keeps it alive) and returns it.
   * Tracking the same object again counts it again. After `stop()`, does nothing.
   */
  track<T extends object>(obj: T, label: string): T
  /** Reports `obj` (`kind: 'objects'`, `reason: 'overdue'`) if it is still alive `withinMs` (default 0) from now, after two full GCs. */
  expectCollected(obj: object, label: string, options?: { withinMs?: number }): void
}

/** Tells, asynchronously, whether an object was collected. */
export interface CollectionProbe {
  /** Runs up to `attempts` (default 5) full GCs, waiting for finalizers after each; true once the object is gone. */
  collected(options?: { attempts?: number }): Promise<boolean>
}

/** Starts watching this thread's memory. Throws `TypeError`/`RangeError` with a Node-style `code` on bad options. */
export function start(options?: StartOptions): Guard

/** Runs a full, synchronous garbage collection; needs no `--expose-gc`. */
export function gc(): void

/** A probe for tests: hand it an object, drop your references, then `await probe.collected()`. */
export function probe(obj: object): CollectionProbe
