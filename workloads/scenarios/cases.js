'use strict'
// The scenario suite: every class of workload at three or more points of its
// range. `expect` is the one kind that must be reported (null: a control
// that must stay quiet); each case runs in its own process at intervalMs 250.

const S = 1000

/**
 * [id, workload, params, expect, durationMs] rows, grouped by class. A leak
 * case stops at its first report; `durationMs` at intervalMs 250 is the
 * number of samples it may take (a starved run takes them later, see
 * LEAK_MS). The slowest leaks get 75–90 s of samples: their medians
 * (`npm run bench detection-time`, BENCHMARKS.md) are 35–45 s. Leaks that
 * start late get 75 s: alone, a 100 KB/s leak starting at 12 s is reported
 * 19–27 s in. Leaks under ~17 KB/s get 150 s: the heap's and native memory's
 * first minute is a settling time (a span that starts in it needs 1 MiB of
 * growth), so they are reported after about 85–95 s; timers never cleared
 * at 20–50 KB/s get 150 s too (25–76 s measured, four runs at a time).
 * The lazy-module controls grow the heap by compilation, which the code
 * space's growth gives away (src/core/code_growth.rs); the native-settling
 * ones grow malloc'd memory inside the settling minute.
 */
const rows = [
  // Warm-ups that grow for 2 to 10 s, then stay flat.
  ['warmup-2s', 'warmup', { bytesPerS: 2e6, forMs: 2 * S }, null],
  ['warmup-5s', 'warmup', { bytesPerS: 2e6, forMs: 5 * S }, null],
  ['warmup-10s', 'warmup', { bytesPerS: 1.5e6, forMs: 10 * S }, null],
  // Code loaded and compiled lazily over 35 and 90 s (100 modules grow the heap ~4 MB; 300, ~12 MB): npm test
  // runs controls 30 s, so the 90-s loader and the 60-s native settling run whole in test:long only.
  ['lazy-modules-35s', 'lazyModules', { modules: 100, forMs: 35 * S }, null],
  ['lazy-modules-90s', 'lazyModules', { modules: 300, forMs: 90 * S }, null],
  // Native memory that settles over 30 to 60 s (250 to 600 KB), as a service's malloc arenas do.
  ['native-settling-30s', 'nativeWarmup', { bytes: 250e3, forMs: 30 * S }, null],
  ['native-settling-60s', 'nativeWarmup', { bytes: 600e3, forMs: 60 * S }, null],
  // Bounded caches filling to their cap over 3 to 12 s.
  ['bounded-cache-3s', 'boundedCache', { capBytes: 8e6, fillMs: 3 * S }, null],
  ['bounded-cache-7s', 'boundedCache', { capBytes: 16e6, fillMs: 7 * S }, null],
  ['bounded-cache-12s', 'boundedCache', { capBytes: 24e6, fillMs: 12 * S }, null],
  // Caches cleared every 1 to 8 s, holding 5 to 40 MB.
  ['sawtooth-1s-5MB', 'sawtoothCache', { bytes: 5e6, periodMs: 1 * S }, null],
  ['sawtooth-3s-20MB', 'sawtoothCache', { bytes: 20e6, periodMs: 3 * S }, null],
  ['sawtooth-8s-40MB', 'sawtoothCache', { bytes: 40e6, periodMs: 8 * S }, null],
  // A 5 MB cache on a 990-ms clock: read every 250 ms at fixed moments, a ramp.
  ['sawtooth-990ms-aliased', 'clockSawtooth', { bytes: 5e6, periodMs: 990 }, null],
  // Periodic bursts held briefly.
  ['bursts-4MB-1s', 'periodicBursts', { bytes: 4e6, periodMs: 1 * S, holdMs: 300 }, null],
  ['bursts-8MB-2s', 'periodicBursts', { bytes: 8e6, periodMs: 2 * S, holdMs: 500 }, null],
  ['bursts-20MB-5s', 'periodicBursts', { bytes: 20e6, periodMs: 5 * S, holdMs: 1000 }, null],
  // Churn of every kind.
  ['garbage-10MB/s', 'garbageChurn', { bytesPerS: 10e6 }, null],
  ['garbage-40MB/s', 'garbageChurn', { bytesPerS: 40e6 }, null],
  ['buffer-churn-1MB/s', 'bufferChurn', { bytesPerS: 1e6 }, null],
  ['buffer-churn-3MB/s', 'bufferChurn', { bytesPerS: 3e6 }, null],
  ['buffer-churn-10MB/s', 'bufferChurn', { bytesPerS: 10e6 }, null],
  ['native-churn-1MB/s', 'nativeChurn', { bytesPerS: 1e6 }, null],
  ['native-churn-3MB/s', 'nativeChurn', { bytesPerS: 3e6 }, null],
  ['native-churn-10MB/s', 'nativeChurn', { bytesPerS: 10e6 }, null],
  ['json-2MB-4/s', 'jsonChurn', { bytes: 2e6, perS: 4 }, null],
  ['json-5MB-2/s', 'jsonChurn', { bytes: 5e6, perS: 2 }, null],
  ['json-10MB-1/s', 'jsonChurn', { bytes: 10e6, perS: 1 }, null],
  // Heap leaks from 5 KB/s to 5 MB/s, and closures that hold request data.
  // 5 KB/s (~430 MB a day) on a 30 MB heap of a service doing light work.
  ['heap-5KB/s', 'heapLeak', { bytesPerS: 5e3, garbagePerS: 200e3, baseBytes: 30e6 }, 'heap', 150 * S],
  ['heap-50KB/s', 'heapLeak', { bytesPerS: 50e3 }, 'heap', 90 * S],
  ['heap-500KB/s', 'heapLeak', { bytesPerS: 500e3 }, 'heap'],
  ['heap-5MB/s', 'heapLeak', { bytesPerS: 5e6 }, 'heap'],
  ['heap-20KB/s-under-churn', 'heapLeak', { bytesPerS: 20e3, garbagePerS: 10e6 }, 'heap', 150 * S],
  ['closures-20/s', 'retainedClosures', { perS: 20 }, 'heap'],
  // Timers never cleared, each holding its session.
  ['timers-20KB/s', 'timerLeak', { bytesPerS: 20e3 }, 'heap', 150 * S],
  ['timers-35KB/s', 'timerLeak', { bytesPerS: 35e3, sessionsPerS: 10 }, 'heap', 150 * S],
  ['timers-50KB/s', 'timerLeak', { bytesPerS: 50e3, periodMs: 250 }, 'heap', 150 * S],
  // Leaks that start late, after a quiet stretch.
  ['late-heap-after-4s', 'heapLeak', { bytesPerS: 100e3, startAfterMs: 4 * S }, 'heap', 75 * S],
  ['late-heap-after-8s', 'heapLeak', { bytesPerS: 100e3, startAfterMs: 8 * S }, 'heap', 75 * S],
  ['late-heap-after-12s', 'heapLeak', { bytesPerS: 100e3, startAfterMs: 12 * S }, 'heap', 75 * S],
  // Leaks under 1 to 2 MB/s of garbage promoted between major GCs.
  ['heap-50KB/s-under-1MB/s-promoted', 'heapLeakUnderPromotedGarbage', { bytesPerS: 50e3, garbagePerS: 1e6 }, 'heap', 90 * S],
  ['heap-75KB/s-under-1.5MB/s-promoted', 'heapLeakUnderPromotedGarbage', { bytesPerS: 75e3, garbagePerS: 1.5e6 }, 'heap', 90 * S],
  ['heap-100KB/s-under-2MB/s-promoted', 'heapLeakUnderPromotedGarbage', { bytesPerS: 100e3, garbagePerS: 2e6 }, 'heap', 90 * S],
  // External (Buffer) and native (malloc in an addon) leaks.
  ['external-5KB/s', 'bufferLeak', { bytesPerS: 5e3 }, 'external', 75 * S],
  ['external-100KB/s', 'bufferLeak', { bytesPerS: 100e3 }, 'external'],
  ['external-3MB/s', 'bufferLeak', { bytesPerS: 3e6 }, 'external'],
  ['native-5KB/s', 'nativeLeak', { bytesPerS: 5e3 }, 'native', 150 * S],
  ['native-100KB/s', 'nativeLeak', { bytesPerS: 100e3 }, 'native'],
  ['native-3MB/s', 'nativeLeak', { bytesPerS: 3e6 }, 'native'],
  // Listener leaks on an EventEmitter and on an AbortSignal.
  ['emitter-listeners-5/s', 'emitterListenerLeak', { perS: 5 }, 'listeners'],
  ['emitter-listeners-20/s', 'emitterListenerLeak', { perS: 20 }, 'listeners'],
  ['emitter-listeners-100/s', 'emitterListenerLeak', { perS: 100 }, 'listeners'],
  ['abort-signal-listeners-5/s', 'abortSignalListenerLeak', { perS: 5 }, 'listeners'],
  ['abort-signal-listeners-20/s', 'abortSignalListenerLeak', { perS: 20 }, 'listeners'],
  ['abort-signal-listeners-100/s', 'abortSignalListenerLeak', { perS: 100 }, 'listeners'],
  // A leak inside a worker thread: reported there, not on the main thread.
  ['worker-heap-200KB/s', 'workerLeak', { bytesPerS: 200e3 }, 'heap'],
  // HTTP services under a bounded local load.
  ['http-clean', 'service:nodeHttp', { keepBytes: 0 }, null],
  ['express-clean', 'service:express', { keepBytes: 0 }, null],
  ['express-session-clean', 'service:expressSession', { leak: false }, null],
  ['http-keeps-300B-per-request', 'service:nodeHttp', { keepBytes: 300 }, 'heap', 75 * S],
  ['express-keeps-250B-per-request', 'service:express', { keepBytes: 250 }, 'heap', 75 * S],
  ['express-session-store-leak', 'service:expressSession', { leak: true }, 'heap', 60 * S],
]

/**
 * Controls run this long, leaks at most this long, both counted in samples
 * at the case's intervalMs (workloads/scenarios/run.js): a starved machine
 * takes longer to reach them and judges no less. A leak stops at its first
 * report of the expected kind; how soon is `npm run bench detection-time`'s
 * to hold. Alone, a 3 MB/s Buffer leak is reported after ~62 samples (first
 * suspected 32 samples past warm-up, then confirmed by forced pairs), and
 * after up to 95 beside three busy loops: 160 samples is 2.6× the median.
 */
const CONTROL_MS = 30 * S
const LEAK_MS = 40 * S

const cases = rows.map(([id, workload, params, expect, durationMs]) => ({
  id,
  workload,
  params,
  expect,
  durationMs: durationMs || (expect ? LEAK_MS : CONTROL_MS),
}))

module.exports = { cases }
