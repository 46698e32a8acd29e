// Typical use of leakguard's types; `tsc --strict` must accept it.
import * as leakguard from '../..'
import type { Guard, LeakKind, LeakReport, StartOptions } from '../..'

const seen: LeakKind[] = []

const options: StartOptions = {
  intervalMs: 250,
  onLeak(report: LeakReport) {
    seen.push(report.kind)
    const perHour: number = report.growthPerMinute * 60
    if (report.kind === 'heap' && report.msUntilLimit !== undefined) {
      console.log(`${report.message}; limit in ${Math.round(report.msUntilLimit / 60000)} min`, perHour)
    }
    if (report.kind === 'listeners') {
      const where: string = report.addSites[0]?.site ?? 'unknown'
      console.log(report.emitter, report.eventName, where)
    }
    for (const point of report.samples) console.log(point.at, point.value)
  },
  thresholds: { heap: { bytesPerMinute: 1 << 20 }, native: { relativePerHour: 0.2 } },
  listeners: { minGrowthPerMinute: 10 },
}

const guard: Guard = leakguard.start(options)
const request: { url: string } = guard.track({ url: '/' }, 'request')
guard.expectCollected(request, 'request', { withinMs: 5000 })
void leakguard.probe(request).collected({ attempts: 3 }).then((gone: boolean) => gone)
leakguard.start({
  onLeak(report) {
    if (report.kind === 'objects' && report.reason === 'overdue') console.log(report.label, report.ageMs, report.creationSites[0]?.site)
  },
})
const stats = guard.stats()
if (stats.latest) console.log(stats.latest.heapUsed, stats.memory[0].state)
if (stats.listeners) console.log(stats.listeners.top.map((t) => `${t.emitter} ${t.eventName} ${t.count}`))
guard.stop()
leakguard.gc()

// @ts-expect-error intervalMs is a number
leakguard.start({ intervalMs: '10' })
leakguard.start({
  onLeak(report) {
    // @ts-expect-error addSites exists only on listener reports
    console.log(report.addSites)
  },
})
// @ts-expect-error unknown kinds are not LeakKind
const wrong: LeakKind = 'sockets'
void wrong
