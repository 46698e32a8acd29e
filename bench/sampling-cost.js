'use strict'
// What V8's sampling heap profiler costs a busy express service, by sampling
// interval, without a guard: why leakguard samples every 16 KiB only between
// a heap suspicion and its report, and every 256 KiB for long windows. Same
// method as http-throughput.js (one server process, rotating rounds).

const { measureVariants, pairedNote } = require('./http-throughput')
const { median, row } = require('./harness')

const INTERVALS_KIB = [16, 32, 64, 256]

module.exports = async function samplingCost() {
  const variants = ['none', ...INTERVALS_KIB.map((k) => `sample-${k}k`)]
  const { rates } = await measureVariants(variants, 5)
  const none = median(rates.none)
  return INTERVALS_KIB.map((k) => row(`requests/s, sampling every ${k} KiB`, median(rates[`sample-${k}k`]), 'req/s', 'no sampling', none, pairedNote(rates, `sample-${k}k`)))
}
