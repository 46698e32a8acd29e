'use strict'
// One measured analysis, in its own process: `leakguard` (this package) or
// `memlab` (@memlab/heap-analysis from bench/.memlab). Both read the base for
// its object ids (memlab loads it whole, then lets it go), load the target
// whole with dominators and retained sizes, and rank what is new by class.
// Prints { ms, maxRssBytes, top } as JSON.
//
//   node bench/heap-analysis-subject.js leakguard|memlab <base> <target>

const path = require('node:path')
const { performance } = require('node:perf_hooks')

async function leakguard(base, target) {
  const { analyzeHeapSnapshots } = require('..')
  const analysis = await analyzeHeapSnapshots([base, target], { top: 3 })
  return analysis.classes.map((c) => [c.name, c.newObjects.count])
}

async function memlab(base, target) {
  const { getFullHeapFromFile } = require(path.join(__dirname, '.memlab', 'node_modules', '@memlab', 'heap-analysis'))
  let heap = await getFullHeapFromFile(base)
  const ids = new Set()
  heap.nodes.forEach((node) => {
    ids.add(node.id)
  })
  heap = null
  const full = await getFullHeapFromFile(target)
  const byClass = new Map()
  full.nodes.forEach((node) => {
    if (ids.has(node.id)) return
    const entry = byClass.get(node.name) || [0, 0]
    entry[0]++
    entry[1] += node.retainedSize
    byClass.set(node.name, entry)
  })
  return [...byClass].sort((a, b) => b[1][1] - a[1][1]).slice(0, 3).map(([name, [count]]) => [name, count])
}

async function main() {
  const [tool, base, target] = process.argv.slice(2)
  // memlab prints progress on stdout: only the last line is the result.
  const started = performance.now()
  const top = await (tool === 'memlab' ? memlab(base, target) : leakguard(base, target))
  const ms = performance.now() - started
  process.stdout.write(`\n${JSON.stringify({ ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, top })}\n`)
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
