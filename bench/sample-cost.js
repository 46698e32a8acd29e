'use strict'
// What one memory sample costs the main thread, against the one read any
// sampler must make (process.memoryUsage()).

const { GcBudget } = require('../lib/gc')
const { MemoryWatch } = require('../lib/guard/memory-watch')
const { monitorOptions, normalizeStartOptions } = require('../lib/guard/options')
const { compare, row } = require('./harness')

module.exports = async function sampleCost() {
  const options = normalizeStartOptions({})
  const gcBudget = new GcBudget({ allowForced: false, minGapMs: Infinity })
  const watch = new MemoryWatch({ gcBudget, monitor: monitorOptions(options), deliver() {} })
  // Fill the window (240 points) so the trend tests run at full size.
  for (let i = 0; i < 300; i++) watch.sample()
  const medians = compare(
    {
      'process.memoryUsage()': () => process.memoryUsage(),
      'one leakguard sample': () => watch.sample(),
    },
    { iterations: 200, rounds: 21 },
  )
  watch.monitor.close()
  return [
    row('one sample (full 240-point window)', medians['one leakguard sample'] / 1000, 'µs', 'process.memoryUsage()', medians['process.memoryUsage()'] / 1000),
  ]
}
