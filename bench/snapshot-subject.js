'use strict'
// Run by snapshot-memory.js: builds a heap of `objects` small objects, then
// writes one heap snapshot and prints the heap in use, the rise of peak RSS
// while writing it, the pause and the file size, as JSON.
//   node --expose-gc bench/snapshot-subject.js <objects> <dir>

const fs = require('node:fs')
const path = require('node:path')
const v8 = require('node:v8')

const [objects, dir] = [Number(process.argv[2]), process.argv[3]]
globalThis.kept = Array.from({ length: objects }, (_, i) => ({ id: i, name: `item-${i}`, pair: [i, i + 1] }))
globalThis.gc()
const heapUsed = v8.getHeapStatistics().used_heap_size
const peak = () => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024
// Resets the peak to the current RSS (Linux).
fs.writeFileSync('/proc/self/clear_refs', '5')
const before = peak()
const started = process.hrtime.bigint()
const file = v8.writeHeapSnapshot(path.join(dir, 'subject.heapsnapshot'))
const pauseMs = Number(process.hrtime.bigint() - started) / 1e6
const rise = peak() - before
const bytes = fs.statSync(file).size
fs.rmSync(file)
process.stdout.write(`${JSON.stringify({ heapUsed, rise, pauseMs, bytes })}\n`)
