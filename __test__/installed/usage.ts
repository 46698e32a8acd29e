// Uses every export and type of the installed package; `tsc --strict` must accept it.
import leakguard = require('leakguard')
import type {
  AllocationSamplingStatus,
  AllocationSiteMode,
  AnalyzeOptions,
  CapturedSnapshot,
  HeapAnalysis,
  HeapClass,
  HeapGrowth,
  ObjectTotals,
  RetainerPath,
  SnapshotComparison,
  LeakLogLine,
  ReportSnapshot,
  ResolvedReport,
  AllocationSite,
  CheckKind,
  CheckOptions,
  CheckReport,
  CheckResult,
  CodeSite,
  CollectionProbe,
  Guard,
  GuardStats,
  KindThresholds,
  LeakDetectedError,
  LeakKind,
  LeakReport,
  ListenerLeakReport,
  MemoryKind,
  MemoryKindStatus,
  MemoryLeakReport,
  ObjectLeakReport,
  PerCallGrowth,
  ReportBase,
  SamplePoint,
  Severity,
  StartOptions,
} from 'leakguard'
import registered = require('leakguard/register')
import { toBeCollected, toLeak } from 'leakguard/jest'
import { mochaHooks } from 'leakguard/mocha'
import { expect as jestExpect } from '@jest/globals'

const thresholds: KindThresholds = { bytesPerMinute: 1 << 20, relativePerHour: 0.1 }
const memoryKind: MemoryKind = 'heap'
const options: StartOptions = {
  intervalMs: 250,
  thresholds: { [memoryKind]: thresholds },
  onLeak(report: LeakReport) {
    const base: ReportBase = report
    const severity: Severity = base.severity
    const points: SamplePoint[] = report.samples
    if (report.kind === 'listeners') {
      const listeners: ListenerLeakReport = report
      const site: CodeSite | undefined = listeners.addSites[0]
      console.log(site?.site, severity, points.length)
    } else if (report.kind === 'objects') {
      const objects: ObjectLeakReport = report
      console.log(objects.label, objects.reason)
    } else {
      const memory: MemoryLeakReport = report
      const kind: LeakKind = memory.kind
      const top: AllocationSite | undefined = memory.allocationSites?.[0]
      console.log(kind, memory.msUntilLimit, top?.site, top?.functionName, top?.share, top?.frames.length)
    }
  },
}
const guard: Guard = leakguard.start(options)
const stats: GuardStats = guard.stats()
const sampling: AllocationSamplingStatus = stats.allocationSites
console.log(sampling.active, sampling.unavailable, sampling.windows)
const mode: AllocationSiteMode | 'off' = sampling.mode
const always: Guard = leakguard.start({ allocationSites: 'always', log: 'json' })
const subscriber = (report: LeakReport): void => console.log(report.kind)
always.on('leak', subscriber).off('leak', subscriber).stop()
const line: LeakLogLine = JSON.parse('{}') as LeakLogLine
const onResolved = (report: ResolvedReport): void => console.log(report.identity, report.durationMs)
const alerting: Guard = leakguard.start({ alerts: { minIntervalMs: 60_000, realertMs: 3_600_000 }, snapshot: { dir: '/var/snapshots', maxFiles: 3 } })
alerting.on('resolved', onResolved).off('resolved', onResolved)
const onAnalysis = (result: SnapshotComparison): void => {
  const top: HeapClass | undefined = result.analysis?.classes[0]
  const fresh: ObjectTotals | undefined = top?.newObjects
  const path: RetainerPath | undefined = top?.retainerPaths[0]
  console.log(result.message, result.files, result.error, fresh?.retainedSize, path?.steps)
}
alerting.on('analysis', onAnalysis).off('analysis', onAnalysis)
const captured: CapturedSnapshot = alerting.captureHeapSnapshot({ dir: '/var/snapshots' })
console.log(captured.path, captured.bytes, captured.pauseMs)
const analyzeOptions: AnalyzeOptions = { top: 5, paths: 2, onProgress: (p) => console.log(p.phase, p.bytesRead / p.totalBytes) }
void leakguard.analyzeHeapSnapshots([captured.path, captured.path], analyzeOptions).then((analysis: HeapAnalysis) => console.log(analysis.classes.length, analysis.timings[0]?.ms))
// @ts-expect-error: files are paths
void leakguard.analyzeHeapSnapshots([1, 2])
const unregister: () => void = leakguard.prometheus({ register: undefined, prefix: 'app_', labels: { service: 'x' }, guard: alerting, top: 5 })
const remove: () => void = leakguard.openTelemetry({ guard: alerting })
unregister()
remove()
alerting.stop()
const snap: ReportSnapshot | undefined = undefined
console.log(snap)
console.log(line.time, line.report)
console.log(mode)
const status: MemoryKindStatus | undefined = stats.memory[0]
console.log(status?.state, guard.track({ id: 1 }, 'request').id)
guard.expectCollected({}, 'request', { withinMs: 10 })
guard.stop()
if (registered !== null) registered.stop()
leakguard.gc()

const probe: CollectionProbe = leakguard.probe({})
const kinds: CheckKind[] = ['heap', 'listeners']
const checkOptions: CheckOptions = { batches: 4, kinds, thresholds: { heap: 64 }, timeoutMs: 3000 }

async function main(): Promise<void> {
  const gone: boolean = await probe.collected({ attempts: 2 })
  const result: CheckResult = await leakguard.checkLeak(() => undefined, checkOptions)
  const perCall: PerCallGrowth = result.perCall
  const first: CheckReport | undefined = result.reports[0]
  const checkSites: AllocationSite[] | undefined = first?.allocationSites
  const growth: HeapGrowth | undefined = first?.heapGrowth
  console.log(checkSites?.length, growth?.classes?.[0]?.perCall, growth?.skipped)
  await leakguard.checkLeak(() => undefined, { heapSnapshots: false })
  const undecided: CheckKind[] = result.undecided
  console.log(gone, perCall.heapBytes, first?.message, result.iterations, result.rounds, result.truncated, result.elapsedMs, undecided)
  try {
    await leakguard.assertNoLeak(async () => undefined)
  } catch (error) {
    const detected = error as LeakDetectedError
    console.log(detected.code, detected.result.kinds)
  }
  await jestExpect(() => undefined).not.toLeak({ batches: 4 })
  await jestExpect(probe).toBeCollected({ attempts: 2 })
}
void main()
console.log(typeof toLeak, typeof toBeCollected, typeof mochaHooks.beforeEach)

// @ts-expect-error batches is a number
void leakguard.checkLeak(() => 1, { batches: 'many' })
// @ts-expect-error allocationSites is a boolean, 'on-suspicion' or 'always'
const badStart = (): Guard => leakguard.start({ allocationSites: 'yes' })
void badStart
// @ts-expect-error timeoutMs is a number
void leakguard.checkLeak(() => 1, { timeoutMs: '5s' })
// @ts-expect-error unknown check kinds are rejected
const wrongKind: CheckKind = 'sockets'
void wrongKind
// @ts-expect-error intervalMs is a number
leakguard.start({ intervalMs: '10' })
leakguard.start({
  onLeak(report) {
    // @ts-expect-error addSites exists only on listener reports
    console.log(report.addSites)
  },
})
// @ts-expect-error unknown kinds are not LeakKind
const wrongLeakKind: LeakKind = 'sockets'
void wrongLeakKind
// @ts-expect-error a guard emits only 'leak'
const badEvent = (g: Guard): Guard => g.on('resolve', () => {})
void badEvent
// @ts-expect-error log is 'warning', 'json' or 'off'
const badLog = (): Guard => leakguard.start({ log: 'xml' })
void badLog

// The report: HTML or text, or the document as data; reports carry their identity and trend.
const page: string = guard.report()
const text: string = guard.report({ format: 'text' })
const doc: leakguard.ReportDocument = guard.report({ format: 'json' })
for (const p of doc.processes) {
  for (const leak of p.leaks) console.log(leak.identity, leak.latest.message, leak.latest.trend?.endValue, leak.resolved?.durationMs)
  console.log(p.timeline.t.length, p.timeline.heap[0], p.exit?.crashed)
}
console.log(page.length, text.length, doc.skippedLines)
const recorded: Guard = leakguard.start({ record: { file: '/tmp/leakguard.jsonl', flushMs: 1000 } })
recorded.on('leak', (r) => {
  if (r.kind === 'heap') console.log(r.identity, r.escalatedFrom, r.allocationStacks?.[0]?.frames, r.allocationProfile, r.heapLimit)
})
