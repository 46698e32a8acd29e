'use strict'
// Timing helpers for the benchmarks: medians over rounds, and rows that
// carry their baseline so each figure prints as a ratio measured in the same run.

/** Median of numbers. */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * Nanoseconds per call of `fn`, as the median over `rounds` rounds of
 * `iterations` calls each. Rounds of several subjects should be interleaved
 * by the caller (see `compare`) so that machine noise hits all alike.
 */
function timeRound(fn, iterations) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) fn(i)
  return Number(process.hrtime.bigint() - start) / iterations
}

/**
 * Times each subject in interleaved rounds and returns their medians (ns per call).
 * @param {Record<string, (i: number) => unknown>} subjects
 */
function compare(subjects, { iterations = 10_000, rounds = 15, warmupRounds = 3 } = {}) {
  const names = Object.keys(subjects)
  const samples = Object.fromEntries(names.map((n) => [n, []]))
  for (let r = 0; r < warmupRounds + rounds; r++) {
    // Rotate the order each round: no subject always runs first.
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length]
      const ns = timeRound(subjects[name], iterations)
      if (r >= warmupRounds) samples[name].push(ns)
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])]))
}

/** A result row: `value` in `unit`, compared with `baseline` (same unit) when given. */
function row(name, value, unit, baselineName, baseline, note = '') {
  return { name, value, unit, baselineName, baseline, ratio: baseline ? value / baseline : undefined, note }
}

function format(value, unit) {
  if (unit === 'ns') return `${value.toFixed(1)} ns`
  if (unit === 'µs') return `${value.toFixed(2)} µs`
  if (unit === 'ms') return `${value.toFixed(0)} ms`
  if (unit === 'B') return `${value.toFixed(0)} B`
  if (unit === 'KiB') return `${value.toFixed(0)} KiB`
  if (unit === 'req/s') return `${Math.round(value).toLocaleString('en')} req/s`
  if (unit === 'of 7' || unit === 'cases') return `${value}`
  if (unit.startsWith('of ')) return `${value} ${unit}`
  return `${value.toFixed(2)} ${unit}`
}

/** Prints rows as an aligned table. */
function print(title, rows) {
  console.log(`\n## ${title}`)
  for (const r of rows) {
    const base = r.baseline !== undefined ? `  vs ${r.baselineName} ${format(r.baseline, r.unit)}  = ${r.ratio.toFixed(2)}×` : ''
    console.log(`  ${r.name.padEnd(46)} ${format(r.value, r.unit).padStart(12)}${base}${r.note ? `  (${r.note})` : ''}`)
  }
}

module.exports = { compare, median, print, row }
