'use strict'
// npm run bench [name ...]: runs the benchmarks and prints each figure with
// its baseline from the same run, as a ratio. Figures are medians.

const { print } = require('./harness')

const BENCHES = {
  'sample-cost': ['Cost of one memory sample on the main thread', require('./sample-cost')],
  'detection-time': ['Time to first report, intervalMs 250 (median of 3 runs)', require('./detection-time')],
  listeners: ['EventEmitter hook on the hot path', require('./listeners')],
  track: ['Object tracking', require('./track')],
  'check-leak': ['Leak checks in test suites: checkLeak() vs the HeapDiff method', require('./check-leak')],
  'http-throughput': ['An express service under load: with a guard vs without (same run)', require('./http-throughput')],
  'allocation-sites': ['Allocation sites: reading and ranking a sampled profile', require('./allocation-sites')],
  'sampling-cost': ["V8's sampling heap profiler under load, by interval (no guard)", require('./sampling-cost')],
  'snapshot-memory': ['What a heap snapshot costs the process that takes it', require('./snapshot-memory')],
  'report-render': ['The HTML report from JSON logs: 4 processes, 10 minutes (same run)', require('./report-render')],
  'heap-analysis': ['Heap snapshot analysis vs memlab: ~250 MB, 3.55 M nodes (same run)', require('./heap-analysis')],
  'heap-analysis-large': ['Heap snapshot analysis past 16.7 M nodes', require('./heap-analysis-large')],
}

async function main() {
  const wanted = process.argv.slice(2)
  for (const name of wanted) {
    if (!BENCHES[name]) throw new Error(`unknown benchmark '${name}'; known: ${Object.keys(BENCHES).join(', ')}`)
  }
  console.log(`leakguard benchmarks: Node ${process.version}, ${require('node:os').cpus().length} cores`)
  for (const [name, [title, bench]] of Object.entries(BENCHES)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue
    print(title, await bench())
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
