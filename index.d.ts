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

/** The straight line fitted over the window a verdict judged (ms since the epoch, bytes or items). */
export interface FittedTrend {
  startAt: number
  startValue: number
  endAt: number
  endValue: number
}

/** What every report carries. */
export interface ReportBase {
  kind: LeakKind
  /**
   * The leak's identity, the same for all its reports, reminders and its
   * resolution: the memory kind, `listeners:<emitter>:<event>`,
   * `objects:<label>` (an overdue object: `objects:<label>:overdue`).
   */
  identity: string
  /** One line a person can act on (written from the report's data; see docs/reports.md). */
  message: string
  severity: Severity
  /** The severity reported before, when this report raises it. */
  escalatedFrom?: Severity | null
  /** The line fitted over the window judged, where the verdict had one. */
  trend?: FittedTrend | null
  /** A reminder of a leak that goes on (`alerts.realertMs`). */
  repeat?: true
  /** For a reminder: how long the leak has gone on since it was first reported. */
  leakingForMs?: number
  /** The heap snapshot taken for this leak (`snapshot` option; heap, listener and object reports). */
  snapshot?: ReportSnapshot
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
  /** For `'heap'`: the heap limit in bytes. */
  heapLimit?: number | null
  /** For `'heap'`: the heaviest sampled stacks of the growth, outermost frame first (what the report's flame graph draws). */
  allocationStacks?: AllocationStack[]
  /** For `'heap'` with `snapshot.dir`: the allocation profile behind the sites, a `.heapprofile` Chrome DevTools opens. */
  allocationProfile?: string
  /**
   * For `'heap'`: where the growth was allocated, from V8's sampling heap
   * profiler, top first (empty when sampling is off or unavailable; see
   * `stats().allocationSites`).
   */
  allocationSites?: AllocationSite[]
}

/** One place in the code heap growth was allocated at. */
export interface AllocationSite {
  /**
   * `file:line:column` where the allocating function is defined (the nearest
   * one in the application's own code: not `node:` internals, not
   * `node_modules`), or the allocating frame when no application frame is on
   * the stack.
   */
  site: string
  /** That function's name (`'<anonymous>'` when it has none). */
  functionName: string
  /** Live bytes allocated there since the sampling window began (a sampled estimate). */
  liveBytes: number
  /** Those bytes a minute over the window. */
  growthPerMinute: number
  /** Share (0–1) of the live bytes added over the window, across every site. */
  share: number
  /** The stack of its largest contribution, allocating frame first (`'fn (file:line:column)'`). */
  frames: string[]
}

/** One stack of heap growth: frames outermost first (`'fn (file:line:column)'`), and the live sampled bytes at its end. */
export interface AllocationStack {
  frames: string[]
  bytes: number
}

/** One line of `log: 'json'` output on stderr, parsed. */
export interface LeakLogLine {
  /** ISO 8601. */
  time: string
  level: 'warn' | 'info'
  name: 'LeakWarning' | 'LeakResolved' | 'LeakCallbackWarning' | 'LeakAnalysis'
  code: 'LEAKGUARD_LEAK' | 'LEAKGUARD_RESOLVED' | 'LEAKGUARD_CALLBACK_FAILED' | 'LEAKGUARD_ANALYSIS'
  message: string
  pid: number
  hostname: string
  threadId: number
  report: LeakReport
  /** The subscriber's error message, on a `LeakCallbackWarning` line; why there is no analysis, on a `LeakAnalysis` line. */
  error?: string
  /** On a `LeakAnalysis` line: the two snapshots compared. */
  files?: string[]
  /** On a `LeakAnalysis` line: what grew and what holds it. */
  analysis?: Pick<HeapAnalysis, 'classes' | 'newObjects'>
}

/** When allocations are sampled for heap reports' sites. */
export type AllocationSiteMode = 'on-suspicion' | 'always'

/** What the allocation sampler is doing (`stats().allocationSites`). */
export interface AllocationSamplingStatus {
  /** When this guard samples (`'off'` with `allocationSites: false`). */
  mode: AllocationSiteMode | 'off'
  /** Whether allocations are being sampled now. */
  active: boolean
  /** Bytes between samples, while active. */
  samplingInterval: number | null
  /** How long the current window has run. */
  windowMs: number
  /**
   * Why allocations are not being sampled now (off, before warm-up ends,
   * waiting for a heap suspicion, inspector unavailable, profiler used by
   * another session), else null.
   */
  unavailable: string | null
  /**
   * Full GCs V8 ran for this guard's sampling: one to read a report's sites,
   * one to restart or stop a window (or to mark where its window began while
   * another guard of this thread samples at the same interval).
   */
  fullGcs: number
  /** Sampling windows begun for this guard (opened, restarted, or begun anew when another user's interval (a leak check's, another guard's) changed the one in force). */
  windows: number
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
  /** Adds sampled in all: the sites' counts are shares of it. */
  sampledAdds: number
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
  /** Creations sampled in all: the sites' counts are shares of it. */
  sampledCreations: number
  /** For `'overdue'`: the object's age in milliseconds. */
  ageMs?: number
  /** For `'overdue'`: the time it was given to be collected, in milliseconds. */
  withinMs?: number
}

/** A leak finding: plain data, handed to `onLeak` or sent as a `LeakWarning`. Narrow on `kind`. */
export type LeakReport = MemoryLeakReport | ListenerLeakReport | ObjectLeakReport

/** A reported leak is over (`guard.on('resolved')`). */
export interface ResolvedReport {
  kind: LeakKind
  resolved: true
  /** The leak's identity: the memory kind, `listeners:<emitter>:<event>` or `objects:<label>`. */
  identity: string
  message: string
  /** The severity it was last reported at. */
  severity: Severity
  /** When it was first reported, and when it was found over (ms since the epoch). */
  firstReportedAt: number
  resolvedAt: number
  durationMs: number
  emitter?: string
  eventName?: string
  label?: string
}

/** A heap snapshot taken for a report (`snapshot` option). */
export interface ReportSnapshot {
  /** The file (mode 0600), or null when none was written. */
  path: string | null
  /** How long the app was paused while it was written. */
  pauseMs?: number
  bytes?: number
  /** Why none was written (not enough memory, too soon, a write error). */
  skipped?: string
}

/** Rate thresholds of one memory kind; growth must pass both to be reported. */
export interface KindThresholds {
  /** Growth below this many bytes a minute is never reported. */
  bytesPerMinute?: number
  /** Growth below this fraction of the current level an hour is never reported (0.1 = 10 %/h). */
  relativePerHour?: number
}

export interface StartOptions {
  /** Sampling interval in milliseconds. Default 500. */
  intervalMs?: number
  /** Receives every report. Without it (and without `on('leak')` subscribers), reports go out as `LeakWarning` warnings. */
  onLeak?: (report: LeakReport) => void | Promise<void>
  /**
   * How reports are logged. Unset: as `LeakWarning`s, only those no
   * subscriber receives. `'warning'`: every report as a `LeakWarning`;
   * `'json'`: every report as one JSON line on stderr (`LeakLogLine`);
   * `'off'`: none (a failing subscriber still logs its report).
   */
  log?: 'warning' | 'json' | 'off'
  /** Per leak: least time between two reports (coalesced), and a reminder interval while it goes on (0: none; else >= minIntervalMs). Defaults 0, 0. */
  alerts?: { minIntervalMs?: number; realertMs?: number }
  /**
   * Heap snapshots on alert into `dir` (see README). A heap report's snapshot
   * gets a second one `compareAfterMs` later (default 60,000; 0: none), and
   * the pair is analysed off the main thread: the `'analysis'` event.
   */
  snapshot?: { dir: string; maxFiles?: number; minIntervalMs?: number; memoryLimitBytes?: number; compareAfterMs?: number }
  /**
   * Appends every JSON line of the run (its context, timeline, reports,
   * resolutions, analyses) to `file` (0600), the timeline every `flushMs`
   * (default 5,000): what `leakguard report` renders. `leakguard run` sets it.
   */
  record?: { file: string; flushMs?: number }
  /**
   * Forensics before a crash: a private bundle (reports, timeline, the live
   * allocation profile, stats, Node's diagnostic report) written into `dir`
   * when the heap passes `heapShare` (default 0.85) of V8's limit, the
   * process's RSS passes `memoryShare` (default 0.9) of its container's limit
   * (or `memoryLimitBytes`), or the heap limit is less than `minMsToLimit`
   * away at a leak's rate (default 5 min; null: off). At most `maxBundles` (default 3).
   */
  forensics?: { dir: string; heapShare?: number; memoryShare?: number; minMsToLimit?: number | null; memoryLimitBytes?: number; maxBundles?: number }
  /** Samples ignored after start. Default 8. */
  warmupSamples?: number
  /**
   * The shortest growth reported, in samples (at least 6). Default 44: with
   * the warm-up and a follow-up GC a block (minSamples / 6) later, a steady
   * leak is reported after about 59 samples, while warm-ups and fills of up
   * to ~40 samples stay quiet. Raise it to keep longer fills quiet.
   */
  minSamples?: number
  /** Baseline points judged at most (and the longest window). Default 240. */
  maxSamples?: number
  /** Whether leakguard may force full GCs (a pair at a time) to confirm suspicions. Default true. */
  confirmWithGc?: boolean
  /**
   * Whether and when heap reports name the allocation sites of the growth,
   * sampled by V8's sampling heap profiler through the in-process inspector.
   * `'on-suspicion'` (or `true`): sampled every 16 KiB from the moment the
   * heap is suspected, and a heap report waits until that has run 5 s;
   * `'always'`: sampled every 256 KiB from the end of warm-up; `false`: no
   * sites. Reading a report's sites and restarting or stopping a sampling
   * window each make V8 run a full GC. Default: `'on-suspicion'`, or `false`
   * with `confirmWithGc: false`.
   */
  allocationSites?: boolean | AllocationSiteMode
  /** Per-kind thresholds. Defaults: 128 KiB/min (≈ 2.2 KB/s) and 10 %/h for every kind. */
  thresholds?: Partial<Record<MemoryKind, KindThresholds>>
  /** Watch EventEmitter and EventTarget listeners (default true); `minGrowthPerMinute` defaults to 5. */
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
  /** When the settling minute of heap and native memory ended (ms since the epoch; a minute of this thread's own time, so later on a starved machine), or null while it runs. */
  settledAt: number | null
  /** Full-GC pairs leakguard forced for this guard. */
  forcedGcs: number
  /** Those pairs by who asked: `'anchor'`, `'memory'`, `'objects'`, `'expectCollected'`. */
  forcedGcsBy: Record<string, number>
  /** This guard's own main-thread time (samples, GC callbacks, report building and delivery), as it measured it. */
  overhead: { ms: number; msPerMinute: number; share: number; sinceMs: number }
  /** While a heap leak is reported and not over: ms until the heap limit at its rate; else null. */
  msUntilHeapLimit: number | null
  /** The allocation sampler behind heap reports' `allocationSites`. */
  allocationSites: AllocationSamplingStatus
  /** Where native memory is read from. */
  nativeSource: 'mallinfo2' | 'statm' | 'unavailable'
  /** The latest sample, or null before the first. */
  latest: {
    heapUsed: number
    heapTotal: number
    /** The old generation's limit, what the heap dies against (V8's `heap_size_limit` less the young generation). */
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

/** A heap snapshot written by `guard.captureHeapSnapshot()`. */
export interface CapturedSnapshot {
  /** The file, mode 0600. */
  path: string
  bytes: number
  /** How long the app was paused while it was written. */
  pauseMs: number
}

/** A heap report's two snapshots, compared (the `'analysis'` event). */
export interface SnapshotComparison {
  /** The heap report the first snapshot was taken for. */
  report: LeakReport
  /** The two snapshots, oldest first. */
  files: string[]
  /** How long the app paused for the second snapshot. */
  pauseMs?: number
  /** What grew between them and what holds it. */
  analysis?: HeapAnalysis
  /** Why there is no analysis (no memory for the second snapshot, a write error). */
  error?: string
  /** One line: the report's message, the class that grew and its path. */
  message: string
}

/** Count and sizes of a set of objects in a heap snapshot. */
export interface ObjectTotals {
  count: number
  /** Sum of their own sizes, in bytes. */
  selfSize: number
  /** Bytes they keep alive (dominator-based); absent where only counts were read. */
  retainedSize?: number
}

/** One object on a retainer path. */
export interface PathStep {
  /** Its class: `Map`, `Array`, `(closure)`, `(GC roots)`; `…` where the path was cut. */
  class: string
  /** For a closure: its function's name. */
  function?: string | null
  /** For a closure: where its function is, `file:line:column`. */
  location?: string | null
  /** How the next step up refers to this one: a property (`.name`), a captured variable (`'name'`) or an element (`[]`). */
  edgeKind?: 'property' | 'variable' | 'element' | null
  /** The property or variable name (empty for elements). */
  edgeName: string
  /**
   * Objects of this class held the same way in a row, shown as one step
   * (`Listener .next ×24,000`: a linked list); 1 for most steps. For a path
   * that holds many objects, the longest such run among them.
   */
  repeat: number
}

/**
 * Objects held the same way, clustered. Read from the object up, the steps
 * print as `Cart [] ← Map 'carts' ← (closure) add (src/registry.js:14:8) ← (GC roots)`.
 */
export interface RetainerPath {
  /** Objects this path holds. */
  count: number
  /** The steps, from the object up. */
  steps: PathStep[]
}

/** One class in a heap analysis. */
export interface HeapClass {
  /** Constructor name, or `(closure)`, `(string)`, `(array)`…; a plain `Object` with a V8 location gets it. */
  name: string
  /** All its instances in the first snapshot (two or three snapshots). */
  base?: ObjectTotals
  /** All its instances in the second (or only) snapshot. */
  target: ObjectTotals
  /** All its instances in the third snapshot. */
  last?: ObjectTotals
  /** Its objects new in the second snapshot (and alive in the third): the suspected leak. */
  newObjects?: ObjectTotals
  /** How they (or, with one snapshot, all instances) are held, most objects first. */
  retainerPaths: RetainerPath[]
  /**
   * The functions that allocated them, `name (script:line:column)` (where the
   * function starts), most objects first: only in snapshots taken with
   * allocation tracking (`node --track-heap-objects`); empty otherwise.
   */
  allocatedAt: { site: string; count: number }[]
}

/** What `analyzeHeapSnapshots` found. */
export interface HeapAnalysis {
  snapshots: { file: string; nodes: number; edges: number; totalBytes: number; readMs: number }[]
  /** With two or three snapshots: classes whose new objects retain the most; with one: classes by retained size. */
  classes: HeapClass[]
  /** All objects new in the second snapshot (and alive in the third). */
  newObjects?: ObjectTotals
  /** Nodes of the second snapshot the root does not reach through retaining edges. */
  unreachable: number
  /** Milliseconds per step: read, dominators (objects matched beside them), classes, paths. */
  timings: { step: string; ms: number }[]
  totalMs: number
}

/** Options of `analyzeHeapSnapshots`. */
export interface AnalyzeOptions {
  /** Classes reported, 1 to 1,000. Default 10. */
  top?: number
  /** Retainer paths per class, 0 to 100. Default 3. */
  paths?: number
  /** Called at the start, every 250 ms and at the end. */
  onProgress?: (progress: { phase: 'reading' | 'dominators' | 'classes' | 'paths' | 'done'; bytesRead: number; totalBytes: number }) => void
}

/**
 * Analyses one to three heap snapshots of one process, oldest first, on the
 * thread pool (the event loop keeps running). Rejects with
 * `ERR_LEAKGUARD_SNAPSHOT_READ` (a file that cannot be read),
 * `ERR_LEAKGUARD_SNAPSHOT_INVALID` (not a snapshot, truncated, inconsistent:
 * `file` and `offset` say where), `ERR_LEAKGUARD_SNAPSHOT_MISMATCH`
 * (snapshots out of order or from different processes),
 * `ERR_LEAKGUARD_INTERNAL` (the analysis itself failed), the error an
 * `onProgress` threw, or coded `TypeError`/`RangeError`s on bad arguments.
 */
export function analyzeHeapSnapshots(files: string | string[], options?: AnalyzeOptions): Promise<HeapAnalysis>

/** A running watch over this thread, returned by `start()`. */
export interface Guard {
  /** Stops watching and undoes everything `start()` did. Idempotent. */
  stop(): void
  /**
   * Subscribes `listener` to every report, alongside `onLeak`; each
   * subscriber is isolated from the others' exceptions and rejections.
   */
  on(event: 'leak', listener: (report: LeakReport) => void | Promise<void>): this
  /** Subscribes `listener` to the end of reported leaks. */
  on(event: 'resolved', listener: (report: ResolvedReport) => void | Promise<void>): this
  /** Subscribes `listener` to heap snapshot comparisons made for heap reports (`snapshot` option). */
  on(event: 'analysis', listener: (result: SnapshotComparison) => void | Promise<void>): this
  /** Removes the latest subscription of `listener`. */
  off(event: 'leak', listener: (report: LeakReport) => void | Promise<void>): this
  off(event: 'resolved', listener: (report: ResolvedReport) => void | Promise<void>): this
  off(event: 'analysis', listener: (result: SnapshotComparison) => void | Promise<void>): this
  /**
   * Writes a heap snapshot now (mode 0600) into `options.dir`, default the
   * `snapshot` option's dir. The app pauses while it is written (`pauseMs`).
   * Throws `ERR_INVALID_ARG_TYPE` without a directory,
   * `ERR_LEAKGUARD_SNAPSHOT_DIR` for an unsafe one,
   * `ERR_LEAKGUARD_SNAPSHOT_MEMORY` when the memory limit leaves no room,
   * `ERR_LEAKGUARD_SNAPSHOT_WRITE` when writing fails.
   */
  captureHeapSnapshot(options?: { dir?: string }): CapturedSnapshot
  /**
   * The report of this guard's run so far (after `stop()`, of the whole run):
   * a self-contained HTML page (the default), its sentences as text, or the
   * report document as data.
   */
  report(options?: { format?: 'html' | 'text' }): string
  report(options: { format: 'json' }): ReportDocument
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

/** One leak in a report document: its reports grouped by identity. */
export interface ReportedLeak {
  identity: string
  kind: LeakKind | CheckKind
  /** The highest severity it was reported at. */
  severity: Severity
  first: LeakReport
  latest: LeakReport
  /** Reports made for it (first, escalations, reminders). */
  reports: number
  resolved: ResolvedReport | null
  analysis: SnapshotComparison | null
}

/** One process (or worker thread) in a report document. */
export interface ReportProcess {
  host: string
  pid: number
  threadId: number
  /** Node version, platform, heap limit, start time, script, options in force. */
  context: { node: string; platform: string; heapLimit: number; startedAt: number; script: string | null; options: object } | null
  /** The samples (ms since the epoch; bytes or counts, null where a kind was off) and the events that mark them. */
  timeline: { t: number[]; heap: (number | null)[]; external: (number | null)[]; native: (number | null)[]; listeners: (number | null)[]; events: Array<{ at: number; type: 'warmed-up' | 'suspected' | 'forced-gc' | 'report' | 'resolved' | 'analysis'; [field: string]: unknown }> }
  reports: Array<LeakReport | ResolvedReport>
  analyses: SnapshotComparison[]
  leaks: ReportedLeak[]
  /** Under `leakguard run`: how the app ended. */
  exit: { code: number | null; signal: string | null; crashed: boolean; stderrTail: string | null } | null
}

/** What `guard.report({ format: 'json' })`, `leakguard run --format json` and `leakguard report --format json` give. */
export interface ReportDocument {
  format: 'leakguard-report'
  version: 1
  generatedAt: string
  source: string
  /** Log lines that were not leakguard's, or were broken. */
  skippedLines: number
  processes: ReportProcess[]
}

/** Tells, asynchronously, whether an object was collected. */
export interface CollectionProbe {
  /** Runs up to `attempts` (default 5) full GCs, waiting for finalizers after each; true once the object is gone. */
  collected(options?: { attempts?: number }): Promise<boolean>
}

/** Starts watching this thread's memory. Throws `TypeError`/`RangeError` with a Node-style `code` on bad options. */
export function start(options?: StartOptions): Guard

/** Options of `prometheus()`. */
export interface PrometheusOptions {
  /** A prom-client Registry (default: prom-client's global registry). */
  register?: unknown
  /** Metric name prefix, default `'leakguard_'`. */
  prefix?: string
  /** Constant labels on every metric. */
  labels?: Record<string, string>
  /** The guard (default: the latest running guard of this thread). */
  guard?: Guard
  /** Listener pairs and object labels exported at most. Default 10. */
  top?: number
}

/** Registers leakguard's collectors in a prom-client registry; returns `unregister()`. */
export function prometheus(options?: PrometheusOptions): () => void

/** Options of `openTelemetry()`. */
export interface OpenTelemetryOptions {
  /** An `@opentelemetry/api` MeterProvider (default: the global one). */
  meterProvider?: unknown
  guard?: Guard
  top?: number
}

/** Creates leakguard's instruments through `@opentelemetry/api`; returns `remove()`. */
export function openTelemetry(options?: OpenTelemetryOptions): () => void

/** Runs a full, synchronous garbage collection; needs no `--expose-gc`. */
export function gc(): void

/** A probe for tests: hand it an object, drop your references, then `await probe.collected()`. */
export function probe(obj: object): CollectionProbe

/** What `checkLeak` measures per call. */
export type CheckKind = 'heap' | 'external' | 'native' | 'listeners' | 'handles' | 'objects'

/** Options of `checkLeak` and `assertNoLeak` (and Jest's `toLeak`). */
export interface CheckOptions {
  /** Measured batches, at least 3. Default 8. */
  batches?: number
  /** Calls per batch. Default: sized from the warm-up's timing (about 10 ms of calls, 50 to 5,000). */
  batchSize?: number
  /**
   * Warm-up calls before measuring. Default: until the time per call settles
   * (JIT tiers, lazily built tables), at most 30 % of `timeoutMs`, and at
   * least one batch's worth.
   */
  warmup?: number
  /**
   * Time budget of the check in ms (a positive number). Batches shrink when
   * calls slow down so the check ends near it; a verdict reached on fewer
   * calls than planned says so (`truncated`). A call still pending well past
   * it rejects the check with `ERR_LEAKGUARD_CHECK_TIMEOUT`. Default 5,000.
   */
  timeoutMs?: number
  /** What to measure. Default: every kind. */
  kinds?: CheckKind[]
  /** Growth per call below which a kind is clean (bytes for memory kinds, items otherwise). */
  thresholds?: Partial<Record<CheckKind, number>>
  /**
   * For a confirmed heap leak, two heap snapshots around a few more calls
   * name what each call keeps and what holds it (`heapGrowth`). Default true.
   */
  heapSnapshots?: boolean
}

/** What each call of a leaking function keeps, from two heap snapshots around extra calls. */
export interface HeapGrowth {
  /** Calls made between the snapshots. */
  calls: number
  /** How long the two snapshots paused the process. */
  pauseMs?: number
  /** How long comparing them took (off the main thread). */
  analysisMs?: number
  /** Classes the calls kept, most retained first. */
  classes?: {
    name: string
    /** Objects kept per call. */
    perCall: number
    bytesPerCall: number
    retainedBytesPerCall: number
    retainerPaths: RetainerPath[]
  }[]
  /** Why there is no comparison (no time or memory left for the snapshots, or they could not be written or read). */
  skipped?: string
}

/** Growth per call, by kind (only the kinds measured are present). */
export interface PerCallGrowth {
  heapBytes?: number
  externalBytes?: number
  nativeBytes?: number
  listeners?: number
  handles?: number
  objects?: number
}

/** One kind that grew with the number of calls. */
export interface CheckReport {
  kind: CheckKind
  /** Estimated growth per call (bytes, or items). */
  perCall: number
  /** Batch-to-batch noise per call measured in the same run. */
  noisePerCall: number
  /** One line a person can act on. */
  message: string
  /** For `'listeners'`: the emitter that gained the most listeners. */
  emitter?: string
  /** For `'listeners'`: its event. */
  eventName?: string
  /** For `'listeners'`: where the listeners were added (`file:line:column`). */
  addSite?: string
  /** For `'heap'`: where what each call keeps was allocated (sampled after the verdict, from a fresh loop of calls). */
  allocationSites?: AllocationSite[]
  /** For `'heap'`: the heaviest sampled stacks of that growth, outermost frame first. */
  allocationStacks?: AllocationStack[]
  /** For `'heap'` (option `heapSnapshots`): what each call keeps, by class, and what holds it. */
  heapGrowth?: HeapGrowth
}

/** What `checkLeak` found: data, never an exception. */
export interface CheckResult {
  /** True when any measured kind grew per call. */
  leaked: boolean
  /** The kinds that grew. */
  kinds: CheckKind[]
  perCall: PerCallGrowth
  /** Calls measured (after warm-up). */
  iterations: number
  /** Warm-up calls made. */
  warmup: number
  /** Calls per batch of the final measurement. */
  batchSize: number
  /**
   * Rounds measured: 1 when nothing grew; a kind that grew is measured again
   * with batches twice as large (up to 6 rounds) and reported only if
   * two rounds found it (with only rounds too noisy to tell between them), the later keeping half the earlier's rate
   * per call.
   */
  rounds: number
  /** True when the time budget (or the rounds) ran out before every kind was decided. */
  truncated: boolean
  /**
   * Kinds the check could not decide in its budget (growth that was not yet
   * confirmed, or steps too noisy to tell): never reported as leaks; raise
   * `timeoutMs` to decide them.
   */
  undecided: CheckKind[]
  /** How long the check took, in ms. */
  elapsedMs: number
  /** Where that time went, in ms. */
  timing: CheckTiming
  reports: CheckReport[]
  /** With LEAKGUARD_REPORT_DIR set, a failing check's HTML report there (null when it could not be written). */
  reportFile?: string | null
}

/** Where a check's time went, in ms (the rest is the check's own bookkeeping). */
export interface CheckTiming {
  /** Calls before the first measured round. */
  warmupMs: number
  /** Calls in the measured rounds (unmeasured settling batches included). */
  callsMs: number
  /** Full GCs, finalizer ticks and readings between batches. */
  readsMs: number
  /** Forced GC and reading count between batches. */
  reads: number
  /** A confirmed heap leak's explanation: sampled calls, heap snapshots and their analysis. */
  explainMs: number
}

/** The error `assertNoLeak` rejects with when something leaks. */
export interface LeakDetectedError extends Error {
  code: 'ERR_LEAKGUARD_LEAK_DETECTED'
  result: CheckResult
}

/**
 * Calls `fn` (sync or async) in batches with full GCs between them and
 * resolves what grew per call. Rejects with `ERR_LEAKGUARD_CHECK_FN_FAILED` when
 * `fn` throws, with `ERR_LEAKGUARD_CHECK_TIMEOUT` when a call never returns within
 * the budget (or too few calls fit in it to judge), with
 * `ERR_LEAKGUARD_CHECK_CONCURRENT` when another check is still running in the same
 * thread (one check at a time: await each), and with coded
 * `TypeError`/`RangeError`s on bad options.
 */
export function checkLeak(fn: () => unknown, options?: CheckOptions): Promise<CheckResult>

/** Like `checkLeak`, but rejects with a `LeakDetectedError` when anything leaks. */
export function assertNoLeak(fn: () => unknown, options?: CheckOptions): Promise<CheckResult>
