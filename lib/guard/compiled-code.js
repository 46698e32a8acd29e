'use strict'
// The compiled-code level the heap detector weighs heap growth against
// (src/core/code_growth.rs): bytecode, machine code and their metadata.
//
// The code space alone is a coarse witness of compilation. Once modules are
// loaded, the JIT tiers hot functions up for minutes, and most of what that
// adds (deoptimization data, relocation info, source positions) lands in the
// old space, while the code space moves in steps of a page or more: on 100
// lazily loaded modules under load on 2 cores, spans of 15 to 25 s grew the
// old space by 100 to 390 KiB with the code space flat, and V8's code
// statistics grew by 100 to 210 KiB over each of them.
//
// V8's code statistics walk the heap (about 0.1 ms a MiB here, timed by hand: 1 ms at
// 10 MiB, 11 ms at 100 MiB, 200 ms at 1 GiB), so they are read rarely: at
// most READ_SHARE of the time, never more often than MIN_READ_GAP_MS, and
// only while the monitor may still take heap growth for compilation (its
// `weighsCompilation` outcome: the monitor owns that clock). The level is the
// latest statistics; it does not follow the code space between reads, whose
// page-sized moves (tens of KiB either way) would count as compilation
// beside a slow leak (measured on a 5 KB/s leak: the code space's noise
// reached a tenth of the leak's growth over some spans, the statistics' own
// growth a twentieth). Where a read would pause the thread for more than
// MAX_READ_PAUSE_MS (a large heap, about 130 MiB before a read was timed;
// foreseen from the lower of the last two reads' costs a byte, so that one
// read the thread was preempted in does not end them), none is made, and the
// level is the code space's, moved by the statistics' difference at the last
// read so that it goes on from where the statistics left it. A level that
// began as the code space's (a heap too large at the first) stays the code
// space's: a later read would jump by all the bytecode and metadata beside
// it, which the monitor would take for compilation.

const v8 = require('node:v8')
const { performance } = require('node:perf_hooks')

/** Reads of the code statistics take at most this share of the thread's time. */
const READ_SHARE = 1 / 1000
/** And come at most once in this long (ms). */
const MIN_READ_GAP_MS = 2000
/** A read expected to pause the thread longer than this (ms) is not made. */
const MAX_READ_PAUSE_MS = 20
/** What a read costs per byte of heap before one was timed (ms): 0.15 ms a MiB (measured: 0.11 at 10–100 MiB, 0.14 at 400 MiB, 0.2 at 1 GiB). */
const FIRST_COST_PER_BYTE = 0.15 / 1048576

/** Bytes of compiled code (bytecode, machine code and their metadata) in V8's statistics. */
function compiledBytes() {
  const s = v8.getHeapCodeStatistics()
  return s.code_and_metadata_size + s.bytecode_and_metadata_size
}

class CompiledCodeLevel {
  constructor() {
    /** Whether the statistics are read at all, decided at the first level: only if it could be read (a level that began as the code space's never jumps to them); null before it. */
    this.reading = null
    /** The latest statistics (bytes). */
    this.statistics = 0
    /** Where no read is made, the level is the code space's plus this: the statistics over the code space at the last read. */
    this.offset = 0
    /** When statistics may be read next (ms). */
    this.nextReadAt = 0
    /** What a read is expected to cost per byte of heap (ms): the lower of the last two reads' costs. */
    this.costPerByte = FIRST_COST_PER_BYTE
    /** What the last read cost per byte of heap (ms). */
    this.lastCostPerByte = FIRST_COST_PER_BYTE
    /** How many times the statistics were read. */
    this.reads = 0
  }

  /**
   * The compiled-code level (bytes) at `atMs`, from the code spaces' bytes
   * in use now and the heap's (`heapBytes`, to foresee a read's pause);
   * `weighed`: whether the monitor may still take heap growth for
   * compilation (no read is made once it may not).
   */
  level(atMs, codeSpace, heapBytes, weighed) {
    const cheap = this.costPerByte * heapBytes <= MAX_READ_PAUSE_MS
    if (this.reading === null) this.reading = cheap
    if (!(this.reading && weighed && cheap)) return codeSpace + this.offset
    if (atMs >= this.nextReadAt) {
      const started = performance.now()
      const compiled = compiledBytes()
      const costMs = performance.now() - started
      this.reads++
      this.statistics = compiled
      this.offset = compiled - codeSpace
      // The lower of two: a read the thread was preempted in (a busy
      // machine's tens of ms) does not stop the reads on its own.
      if (heapBytes > 0) {
        this.costPerByte = Math.min(costMs / heapBytes, this.lastCostPerByte)
        this.lastCostPerByte = costMs / heapBytes
      }
      this.nextReadAt = atMs + Math.max(MIN_READ_GAP_MS, costMs / READ_SHARE)
    }
    return this.reads > 0 ? this.statistics : codeSpace
  }
}

module.exports = { CompiledCodeLevel }
