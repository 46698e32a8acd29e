'use strict'
// What a heap report's allocation sites cost on the main thread: reading the
// sampled profile through the in-process inspector and ranking its sites in
// Rust, on a heap holding ~60 MB allocated from 200 functions, against
// reading the profile alone. Paid once per heap report (and once per
// leaking leak check), never per sample.

const { performance } = require('node:perf_hooks')
const { SUSPICION_INTERVAL, sampler, flatten } = require('../lib/allocation-sampler')
const { median, row } = require('./harness')

const READS = 9

module.exports = async function allocationSitesBench() {
  const lease = sampler.lease(SUSPICION_INTERVAL)
  const kept = []
  try {
    // 200 distinct allocating functions, ~300 KB each.
    const makers = Array.from({ length: 200 }, (_, k) => new Function('kept', `return function alloc${k}() { for (let i = 0; i < 1500; i++) kept.push({ k: ${k}, i, s: 'v' + i + '-${k}'.repeat(4) }) }`)(kept))
    for (const make of makers) make()
    const readOnly = []
    const ranked = []
    let sites = null
    let nodes = 0
    for (let r = 0; r < READS; r++) {
      let t = performance.now()
      const { profile } = sampler.post('HeapProfiler.getSamplingProfile')
      readOnly.push(performance.now() - t)
      nodes = flatten(profile.head).parents.length
      t = performance.now()
      sites = lease.sites()
      ranked.push(performance.now() - t)
    }
    const restart = []
    for (let r = 0; r < READS; r++) {
      const t = performance.now()
      lease.restart()
      restart.push(performance.now() - t)
    }
    return [
      row('read + rank a profile (sites of a heap report)', median(ranked), 'ms', 'reading the profile alone', median(readOnly), `${nodes} profile nodes, ${kept.length.toLocaleString('en')} live objects; top site ${sites && sites.sites[0] ? `${sites.sites[0].functionName} ${(sites.sites[0].share * 100).toFixed(1)}%` : 'none'}`),
      row('restart the sampling window', median(restart), 'ms', undefined, undefined, 'after each heap report, and every 10 min while the heap is quiet; includes the full GC V8 runs'),
    ]
  } finally {
    lease.release()
  }
}
