'use strict'
// Workloads for the scenario suite, each a function of its parameters that
// returns { run(): stop }. Leaks keep what they make; controls let it go
// (or keep a bounded amount). Rates are per second of wall time.

const EventEmitter = require('node:events')
const path = require('node:path')

const TICK_MS = 50
const TICKS_PER_S = 1000 / TICK_MS

/** An array of about `bytes` of heap (numbers: 8 bytes each in a double array). */
function heapBlock(bytes, seed = 0) {
  return Array.from({ length: Math.max(1, Math.round(bytes / 8)) }, (_, i) => i + seed + 0.5)
}

/** Runs `tick(elapsedMs)` every 50 ms; returns stop(). */
function every(tick, ms = TICK_MS) {
  const started = Date.now()
  const timer = setInterval(() => tick(Date.now() - started), ms)
  return () => clearInterval(timer)
}

/** Short-lived garbage: `bytesPerS` of objects dropped at once. */
function churn(bytesPerS) {
  let sink = 0
  return () => {
    const batch = Array.from({ length: Math.round(bytesPerS / TICKS_PER_S / 48) }, (_, i) => ({ i, s: `g${i}` }))
    sink += batch.length
    return sink
  }
}

/** Garbage that lives long enough to be promoted (about a second), then is dropped. */
function promotedGarbage(bytesPerS) {
  const ring = new Array(TICKS_PER_S).fill(null)
  let slot = 0
  return () => {
    ring[slot] = heapBlock(bytesPerS / TICKS_PER_S, slot)
    slot = (slot + 1) % ring.length
  }
}

function nativeFixture() {
  return require(path.join(__dirname, '..', 'native-alloc'))
}

const workloads = {
  /**
   * A heap leak: `bytesPerS` of retained arrays, with `garbagePerS` of churn
   * beside it, on a heap that holds `baseBytes` of live data from the start.
   */
  heapLeak({ bytesPerS, garbagePerS = 0, startAfterMs = 0, baseBytes = 0 }) {
    const kept = baseBytes > 0 ? [Array.from({ length: 64 }, (_, k) => heapBlock(baseBytes / 64, k))] : []
    const garbage = churn(garbagePerS)
    let owed = 0
    return every((elapsed) => {
      if (garbagePerS > 0) garbage()
      if (elapsed < startAfterMs) return
      owed += bytesPerS / TICKS_PER_S
      // Small rates keep one block every few ticks, so each block is real.
      if (owed >= 512) {
        kept.push(heapBlock(owed, kept.length))
        owed = 0
      }
    })
  },

  /** A leak kept under garbage promoted to the old space between major GCs. */
  heapLeakUnderPromotedGarbage({ bytesPerS, garbagePerS }) {
    const kept = []
    const garbage = promotedGarbage(garbagePerS)
    return every(() => {
      garbage()
      kept.push(heapBlock(bytesPerS / TICKS_PER_S, kept.length))
    })
  },

  /** Handlers whose closures hold request data. */
  retainedClosures({ perS }) {
    const handlers = []
    return every(() => {
      for (let i = 0; i < perS / TICKS_PER_S; i++) {
        const rows = Array.from({ length: 400 }, (_, k) => ({ id: k, name: `row-${k}` }))
        handlers.push(() => rows.length)
      }
    })
  },

  /** Buffers kept in a long-lived list: an external-memory leak. */
  bufferLeak({ bytesPerS }) {
    const kept = []
    let owed = 0
    return every(() => {
      owed += bytesPerS / TICKS_PER_S
      if (owed >= 1024) {
        kept.push(Buffer.alloc(Math.round(owed), 1))
        owed = 0
      }
    })
  },

  /** malloc in a native addon, never freed. */
  nativeLeak({ bytesPerS }) {
    const { leakNative } = nativeFixture()
    let owed = 0
    return every(() => {
      owed += bytesPerS / TICKS_PER_S
      if (owed >= 1024) {
        leakNative(Math.round(owed))
        owed = 0
      }
    })
  },

  /** Listeners added per "request" to a long-lived EventEmitter. */
  emitterListenerLeak({ perS }) {
    const config = new EventEmitter()
    config.setMaxListeners(0)
    let owed = 0
    return every(() => {
      owed += perS / TICKS_PER_S
      for (; owed >= 1; owed--) config.on('change', () => {})
    })
  },

  /** 'abort' listeners added per "request" to a long-lived AbortSignal. */
  abortSignalListenerLeak({ perS }) {
    const controller = new AbortController()
    require('node:events').setMaxListeners(0, controller.signal)
    let owed = 0
    return every(() => {
      owed += perS / TICKS_PER_S
      for (; owed >= 1; owed--) controller.signal.addEventListener('abort', () => {})
    })
  },

  /**
   * Timers never cleared: `sessionsPerS` sessions a second, each of about
   * `bytesPerS / sessionsPerS` bytes, each with a `setInterval` of
   * `periodMs` whose closure holds it and touches it when it fires. (The
   * timers are listed too, so that stop() can clear them: ~200 B each.)
   */
  timerLeak({ bytesPerS, sessionsPerS = 20, periodMs = 1000 }) {
    const sessionBytes = bytesPerS / sessionsPerS
    let owed = 0
    let id = 0
    const timers = []
    const stop = every(() => {
      owed += sessionsPerS / TICKS_PER_S
      for (; owed >= 1; owed--) {
        const session = { id: ++id, seen: 0, data: heapBlock(sessionBytes - 64, id) }
        timers.push(setInterval(() => {
          session.seen++
        }, periodMs))
      }
    })
    return () => {
      stop()
      for (const timer of timers) clearInterval(timer)
    }
  },

  /**
   * Native start-up: `bytes` of malloc kept over `forMs`, fast at first and
   * slower as it goes (pools and arenas filling as load arrives), then none.
   */
  nativeWarmup({ bytes, forMs }) {
    const { leakNative } = nativeFixture()
    let kept = 0
    return every((elapsed) => {
      // Kept so far follows 1 - (1 - t)^2: the rate falls to 0 at forMs.
      const t = Math.min(1, elapsed / forMs)
      const due = Math.round(bytes * (1 - (1 - t) * (1 - t)))
      if (due - kept >= 1024) {
        leakNative(due - kept)
        kept = due
      }
    })
  },

  /**
   * Start-up that loads code lazily: `modules` generated modules (each with
   * `functionsEach` functions), required a few at a time over `forMs` and
   * then called on every tick. The heap grows by their bytecode, code,
   * feedback and closures, then stays flat.
   */
  lazyModules({ modules, functionsEach = 12, forMs }) {
    const fs = require('node:fs')
    const os = require('node:os')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-lazy-'))
    for (let m = 0; m < modules; m++) {
      let src = `'use strict'\nconst table = new Map()\n`
      for (let f = 0; f < functionsEach; f++) {
        src += `function f${f}(a, b) { const o = { k: a + ${f}, v: String(b) + '${m}', list: [a, b, ${f}] }; if (a > ${f}) return o.k * b + f${(f + 1) % functionsEach}.length; table.set(o.v % 64, o.k); return o.list.length + Object.keys(o).length }\n`
      }
      src += `module.exports = (x) => ${Array.from({ length: functionsEach }, (_, f) => `f${f}(x % 7, x)`).join(' + ')}\n`
      fs.writeFileSync(path.join(dir, `m${m}.js`), src)
    }
    const loaded = []
    let tick = 0
    const stop = every((elapsed) => {
      tick++
      for (const want = Math.min(modules, Math.ceil((elapsed / forMs) * modules)); loaded.length < want; ) {
        const file = path.join(dir, `m${loaded.length}.js`)
        loaded.push(require(file))
        // Loaded modules stay in require's cache: the file is not needed again.
        fs.rmSync(file, { force: true })
      }
      for (let i = 0; i < loaded.length; i += 1 + (tick % 3)) loaded[i](tick)
    })
    return () => {
      stop()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  },

  /** Start-up: the heap grows `bytesPerS` for `forMs`, then only reads what it built. */
  warmup({ bytesPerS, forMs }) {
    const table = []
    const garbage = churn(200e3)
    return every((elapsed) => {
      garbage()
      if (elapsed < forMs) table.push(heapBlock(bytesPerS / TICKS_PER_S, table.length))
    })
  },

  /**
   * An LRU with a hard cap that fills over `fillMs` (by the clock, however
   * late the timer runs), then evicts as it inserts at the same rate.
   */
  boundedCache({ capBytes, fillMs }) {
    const entryBytes = 4096
    const cap = Math.round(capBytes / entryBytes)
    const perMs = cap / fillMs
    const lru = new Map()
    let id = 0
    return every((elapsed) => {
      for (; id < elapsed * perMs; ) {
        lru.set(++id, heapBlock(entryBytes, id))
        if (lru.size > cap) lru.delete(lru.keys().next().value)
      }
    })
  },

  /** A cache that fills to `bytes` and is cleared every `periodMs`. */
  sawtoothCache({ bytes, periodMs }) {
    const cache = new Map()
    const perTick = bytes / (periodMs / TICK_MS)
    let id = 0
    let lastClear = 0
    return every((elapsed) => {
      if (elapsed - lastClear >= periodMs) {
        cache.clear()
        lastClear = elapsed
      }
      cache.set(++id, heapBlock(perTick, id))
    })
  },

  /**
   * A cache whose size follows the wall clock: it fills to `bytes` over
   * `periodMs` and is cleared, on a schedule of its own (10-ms ticks). A
   * period just under four 250-ms samples, read always at the same moments,
   * would look like a ramp rising for minutes: it tests that samples are
   * never phase-locked to the application's timers.
   */
  clockSawtooth({ bytes, periodMs }) {
    const cache = new Map()
    const perEntry = bytes / 100
    let id = 0
    return every((elapsed) => {
      const want = Math.floor(((elapsed % periodMs) / periodMs) * 100)
      if (want < cache.size) cache.clear()
      while (cache.size < want) cache.set(++id, heapBlock(perEntry, id))
    }, 10)
  },

  /** `bytes` held for `holdMs` every `periodMs`, then released. */
  periodicBursts({ bytes, periodMs, holdMs }) {
    let held = null
    const timer = setInterval(() => {
      held = Array.from({ length: 100 }, (_, k) => heapBlock(bytes / 100, k))
      setTimeout(() => {
        held = null
      }, holdMs)
    }, periodMs)
    return () => clearInterval(timer) + (held ? 0 : 0)
  },

  /** Short-lived garbage only. */
  garbageChurn({ bytesPerS }) {
    return every(churn(bytesPerS))
  },

  /** Buffers allocated, used once and dropped. */
  bufferChurn({ bytesPerS }) {
    let sink = 0
    return every(() => {
      const buffer = Buffer.alloc(Math.round(bytesPerS / TICKS_PER_S), 7)
      sink += buffer[0]
    })
  },

  /** malloc in a native addon, freed at once. */
  nativeChurn({ bytesPerS }) {
    const { churnNative } = nativeFixture()
    let sink = 0
    return every(() => {
      sink += churnNative(Math.round(bytesPerS / TICKS_PER_S))
    })
  },

  /** A JSON document of `bytes` parsed and dropped `perS` times a second. */
  jsonChurn({ bytes, perS }) {
    const rows = Math.round(bytes / 60)
    const text = JSON.stringify(Array.from({ length: rows }, (_, i) => ({ id: i, name: `name-${i}`, score: i * 0.5 })))
    let sink = 0
    const timer = setInterval(() => {
      sink += JSON.parse(text).length
    }, 1000 / perS)
    return () => clearInterval(timer) + sink
  },

  /** A heap leak inside a worker thread, watched by a guard in that worker. */
  workerLeak({ bytesPerS }) {
    const { Worker } = require('node:worker_threads')
    const worker = new Worker(path.join(__dirname, 'worker-leak.js'), { workerData: { bytesPerS } })
    worker.on('message', (report) => process.emit('leakguard:worker-report', report))
    return () => worker.terminate()
  },
}

module.exports = { heapBlock, workloads }
