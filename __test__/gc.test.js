'use strict'
// One owner for full GCs: each GC counted once, `confirmWithGc: false` means
// leakguard forces none, and who asked for each forced pair.

const assert = require('node:assert/strict')
const { test } = require('node:test')
const leakguard = require('..')
const { FAST, leakBuffers, moreSamples } = require('./helpers/leaks')

test('an overdue object is judged after two real full GCs, each counted once', async () => {
  const reports = []
  const guard = leakguard.start({ ...FAST, confirmWithGc: false, onLeak: (r) => reports.push(r) })
  const kept = { name: 'socket' }
  guard.expectCollected(kept, 'socket', { withinMs: 0 })
  try {
    await moreSamples(guard, 3)
    leakguard.gc() // one full GC: seen by the guard's observer, counted once
    await moreSamples(guard, 3)
    assert.deepEqual(reports.filter((r) => r.reason === 'overdue'), [], 'judged after one full GC')
    leakguard.gc()
    await moreSamples(guard, 3)
    const overdue = reports.filter((r) => r.reason === 'overdue')
    assert.equal(overdue.length, 1, 'judged after the second')
    assert.equal(overdue[0].label, 'socket')
    assert.equal(guard.stats().forcedGcs, 0)
  } finally {
    guard.stop()
  }
  assert.ok(kept)
})

test('confirmWithGc: false forces no GC, whatever is suspected or overdue', async () => {
  const stopLeak = leakBuffers()
  const guard = leakguard.start({ ...FAST, confirmWithGc: false, onLeak() {} })
  const kept = {}
  guard.expectCollected(kept, 'held', { withinMs: 0 })
  try {
    await moreSamples(guard, 40)
    const stats = guard.stats()
    assert.ok(stats.samples >= 40)
    assert.equal(stats.forcedGcs, 0)
    assert.deepEqual(stats.forcedGcsBy, {})
  } finally {
    stopLeak()
    guard.stop()
  }
  assert.ok(kept)
})

test('confirmWithGc: false still reports a leak, confirmed by V8\'s own full GCs', async () => {
  const stopLeak = leakBuffers()
  const reports = []
  const guard = leakguard.start({ ...FAST, confirmWithGc: false, onLeak: (r) => reports.push(r) })
  try {
    // V8 collects on its own as the Buffers pile up: its levels are all there is.
    await new Promise((resolve, reject) => {
      const poll = setInterval(() => {
        if (reports.some((r) => r.kind === 'external')) resolve(clearInterval(poll))
        else if (guard.stats().samples > 2000) reject(new Error(`no external report in ${guard.stats().samples} samples: ${JSON.stringify(guard.stats().memory)}`), clearInterval(poll))
      }, FAST.intervalMs)
    })
    assert.equal(guard.stats().forcedGcs, 0)
  } finally {
    stopLeak()
    guard.stop()
  }
})

test('with confirmWithGc (the default) each forced pair says who asked', async () => {
  const stopLeak = leakBuffers()
  const guard = leakguard.start({ ...FAST, onLeak() {} })
  try {
    // Past warm-up (2 samples) and the anchor pair, with a leak to suspect.
    await moreSamples(guard, 40)
    const { forcedGcs, forcedGcsBy } = guard.stats()
    assert.ok(forcedGcs >= 1)
    assert.equal(forcedGcsBy.anchor, 1, 'one anchor pair when warm-up ends')
    assert.equal(Object.values(forcedGcsBy).reduce((a, b) => a + b, 0), forcedGcs)
  } finally {
    stopLeak()
    guard.stop()
  }
})
