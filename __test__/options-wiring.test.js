'use strict'
// Options reach what they configure. Every LEAKGUARD_* variable, set on the
// preload, shows in the options in force (the `LeakguardStarted` JSON line's
// context); an empty variable is unset; LEAKGUARD_LISTENERS=false wins;
// LEAKGUARD_WORKERS gives worker threads a guard. And the thresholds that
// decide reports are proven by their effect: the same leak is reported with
// a threshold at a third of its rate, and stays quiet with one at three
// times its rate, for every memory kind, listeners and tracked objects.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { describe, test } = require('node:test')
const { VARIABLES } = require('../lib/guard/env-options')
const { createLimiter, lastJsonLine, runNode } = require('../scripts/spawn')

const root = path.join(__dirname, '..')
const register = path.join(root, 'register.js')

/** The `LeakguardStarted` line a guard writes on stderr with LEAKGUARD_LOG=json: its options in force. */
function optionsInForce(stderr) {
  const line = stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .find((l) => l.code === 'LEAKGUARD_START')
  assert.ok(line, `no LEAKGUARD_START line on stderr:\n${stderr}`)
  return line.context.options
}

function at(object, keys) {
  return keys.reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), object)
}

describe('every LEAKGUARD_* variable reaches its option', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-env-'))
  const snapshotDir = path.join(dir, 'snapshots')
  const forensicsDir = path.join(dir, 'forensics')
  fs.mkdirSync(snapshotDir, { mode: 0o700 })
  fs.mkdirSync(forensicsDir, { mode: 0o700 })
  const recordFile = path.join(dir, 'run.jsonl')
  // Each variable with a value other than its option's default, and the
  // value the option must then have.
  const values = {
    LEAKGUARD_INTERVAL_MS: ['250', 250],
    LEAKGUARD_WARMUP_SAMPLES: ['3', 3],
    LEAKGUARD_MIN_SAMPLES: ['20', 20],
    LEAKGUARD_MAX_SAMPLES: ['120', 120],
    LEAKGUARD_CONFIRM_WITH_GC: ['0', false],
    LEAKGUARD_ALLOCATION_SITES: ['always', 'always'],
    LEAKGUARD_LOG: ['json', 'json'],
    LEAKGUARD_ALERT_MIN_INTERVAL_MS: ['1000', 1000],
    LEAKGUARD_REALERT_MS: ['60000', 60000],
    LEAKGUARD_SNAPSHOT_DIR: [snapshotDir, snapshotDir],
    LEAKGUARD_SNAPSHOT_MAX_FILES: ['2', 2],
    LEAKGUARD_SNAPSHOT_MIN_INTERVAL_MS: ['5000', 5000],
    LEAKGUARD_SNAPSHOT_MEMORY_LIMIT_BYTES: ['1000000000', 1e9],
    LEAKGUARD_SNAPSHOT_COMPARE_AFTER_MS: ['7000', 7000],
    LEAKGUARD_HEAP_BYTES_PER_MINUTE: ['1000', 1000],
    LEAKGUARD_HEAP_RELATIVE_PER_HOUR: ['0.5', 0.5],
    LEAKGUARD_EXTERNAL_BYTES_PER_MINUTE: ['2000', 2000],
    LEAKGUARD_EXTERNAL_RELATIVE_PER_HOUR: ['0.25', 0.25],
    LEAKGUARD_NATIVE_BYTES_PER_MINUTE: ['3000', 3000],
    LEAKGUARD_NATIVE_RELATIVE_PER_HOUR: ['0.75', 0.75],
    LEAKGUARD_LISTENERS: ['true', undefined],
    LEAKGUARD_LISTENERS_MIN_GROWTH_PER_MINUTE: ['42', 42],
    LEAKGUARD_OBJECTS_MIN_GROWTH_PER_MINUTE: ['43', 43],
    LEAKGUARD_FORENSICS_DIR: [forensicsDir, forensicsDir],
    LEAKGUARD_FORENSICS_HEAP_SHARE: ['0.7', 0.7],
    LEAKGUARD_FORENSICS_MEMORY_SHARE: ['0.8', 0.8],
    LEAKGUARD_FORENSICS_MIN_MS_TO_LIMIT: ['90000', 90000],
    LEAKGUARD_FORENSICS_MEMORY_LIMIT_BYTES: ['2000000000', 2e9],
    LEAKGUARD_RECORD_FILE: [recordFile, recordFile],
    LEAKGUARD_RECORD_FLUSH_MS: ['200', 200],
  }
  // Read elsewhere: by leak checks, by the Mocha plugin, and the preload's
  // own switch (tested below).
  const notStartOptions = ['LEAKGUARD_REPORT_DIR', 'LEAKGUARD_MOCHA', 'LEAKGUARD_WORKERS']

  test('the table here covers every variable the preload knows', () => {
    assert.deepEqual(Object.keys(values).sort(), Object.keys(VARIABLES).filter((n) => !notStartOptions.includes(n)).sort())
  })

  test('each variable, set on the preload, is the option in force', async () => {
    const env = Object.fromEntries(Object.entries(values).map(([name, [raw]]) => [name, raw]))
    const { code, stderr } = await runNode(['-r', register, '-e', '0'], { env })
    assert.equal(code, 0, stderr)
    const options = optionsInForce(stderr)
    for (const [name, [, expected]] of Object.entries(values)) {
      if (expected === undefined) continue
      const keys = VARIABLES[name][1]
      assert.deepEqual(at(options, keys), expected, `${name}=${values[name][0]} -> options.${keys.join('.')}`)
    }
    // The record file got the same start line.
    assert.deepEqual(optionsInForce(fs.readFileSync(recordFile, 'utf8')), options)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('an empty variable is as if unset', async () => {
    const { code, stderr } = await runNode(['-r', register, '-e', '0'], { env: { LEAKGUARD_LOG: 'json', LEAKGUARD_INTERVAL_MS: '', LEAKGUARD_HEAP_BYTES_PER_MINUTE: '', LEAKGUARD_LISTENERS: '' } })
    assert.equal(code, 0, stderr)
    const options = optionsInForce(stderr)
    assert.equal(options.intervalMs, 500)
    assert.equal(options.thresholds.heap.bytesPerMinute, 128 * 1024)
    assert.deepEqual(options.listeners, { minGrowthPerMinute: 5 })
  })

  test('LEAKGUARD_LISTENERS=false wins over a listener threshold', async () => {
    const { code, stderr } = await runNode(['-r', register, '-e', '0'], { env: { LEAKGUARD_LOG: 'json', LEAKGUARD_LISTENERS: 'false', LEAKGUARD_LISTENERS_MIN_GROWTH_PER_MINUTE: '42' } })
    assert.equal(code, 0, stderr)
    assert.equal(optionsInForce(stderr).listeners, null, 'listeners off')
    // The switch works on its own, and a threshold alone keeps listeners on.
    const alone = await runNode(['-r', register, '-e', '0'], { env: { LEAKGUARD_LOG: 'json', LEAKGUARD_LISTENERS_MIN_GROWTH_PER_MINUTE: '42' } })
    assert.deepEqual(optionsInForce(alone.stderr).listeners, { minGrowthPerMinute: 42 })
  })

  test('LEAKGUARD_WORKERS gives worker threads a guard of their own; unset, they get none', async () => {
    // The preload runs in workers too; what it exports there says whether it started a guard.
    const script = `const { Worker } = require('node:worker_threads')
      new Worker(${JSON.stringify(`const g = require(${JSON.stringify(register)}); require('node:worker_threads').parentPort.postMessage(g === null ? 'none' : typeof g.stats().samples)`)}, { eval: true })
        .on('message', (m) => { console.log(m); process.exit(0) })`
    const on = await runNode(['-r', register, '-e', script], { env: { LEAKGUARD_WORKERS: 'true' } })
    assert.equal(on.stdout.trim(), 'number', on.stderr)
    const off = await runNode(['-r', register, '-e', script], { env: { LEAKGUARD_WORKERS: '' } })
    assert.equal(off.stdout.trim(), 'none', off.stderr)
  })
})

describe('thresholds decide reports: a leak is reported under a third of its rate, never over three times it', () => {
  const fixture = path.join(__dirname, 'fixtures', 'threshold-leak.js')
  // Each leak is fast enough to pass the detectors' settling minute
  // (1 MiB of growth, or a few listeners and objects) within seconds.
  const leaks = [
    ['heap', 500e3, (limit) => ({ thresholds: { heap: { bytesPerMinute: limit } } })],
    ['external', 500e3, (limit) => ({ thresholds: { external: { bytesPerMinute: limit } } })],
    ['native', 500e3, (limit) => ({ thresholds: { native: { bytesPerMinute: limit } } })],
    ['listeners', 20, (limit) => ({ listeners: { minGrowthPerMinute: limit } })],
    ['objects', 20, (limit) => ({ objects: { minGrowthPerMinute: limit } })],
  ]
  const QUIET_SAMPLES = 400
  const limit = createLimiter(3)
  const run = (kind, perSecond, options, samples) =>
    limit(async () => {
      const { code, stdout, stderr } = await runNode([fixture, kind, String(perSecond), JSON.stringify({ intervalMs: 50, ...options }), String(samples)])
      assert.equal(code, 0, stderr)
      return lastJsonLine(stdout)
    })
  const runs = leaks.map(([kind, perSecond, option]) => {
    const perMinute = perSecond * 60
    return [kind, perSecond, run(kind, perSecond, option(perMinute / 3), QUIET_SAMPLES), run(kind, perSecond, option(perMinute * 3), QUIET_SAMPLES)]
  })

  for (const [kind, perSecond, below, above] of runs) {
    test(`${kind}: ${perSecond}/s is reported under a threshold of a third of it, and not under three times it`, async () => {
      const reported = await below
      assert.ok(reported.reported, `not reported under a third of its rate: ${JSON.stringify(reported)}`)
      const ratio = reported.growthPerMinute / 60 / perSecond
      assert.ok(ratio > 0.5 && ratio < 2, `reported ${(reported.growthPerMinute / 60).toFixed(1)}/s for ${perSecond}/s`)
      const quiet = await above
      assert.equal(quiet.reported, false, `reported over three times its rate: ${JSON.stringify(quiet)}`)
      // It was watched for at least half as long again as the report took,
      // and the leak ran all that time.
      assert.ok(quiet.samples >= 1.5 * reported.samples, JSON.stringify({ reported, quiet }))
      assert.ok(quiet.injected >= 0.8 * perSecond * ((quiet.samples * 50) / 1000), JSON.stringify(quiet))
    })
  }
})

describe('minSamples and maxSamples reach the detectors', () => {
  test('a listener leak is judged over at most maxSamples points, and reported sooner with a smaller minSamples', async () => {
    const fixture = path.join(__dirname, 'fixtures', 'threshold-leak.js')
    const go = (options) => runNode([fixture, 'listeners', '20', JSON.stringify({ intervalMs: 50, ...options }), '400'])
    const [narrow, wide] = await Promise.all([go({ minSamples: 10, maxSamples: 16 }), go({})])
    const small = lastJsonLine(narrow.stdout)
    const defaults = lastJsonLine(wide.stdout)
    assert.ok(small.reported && defaults.reported, JSON.stringify({ small, defaults }))
    assert.ok(small.points <= 16, `${small.points} points judged with maxSamples 16`)
    // The bound bites: with the defaults the same leak is judged over more.
    assert.ok(defaults.points > 16, `${defaults.points} points judged with the defaults`)
    assert.ok(small.samples < defaults.samples, JSON.stringify({ small, defaults }))
  })
})
