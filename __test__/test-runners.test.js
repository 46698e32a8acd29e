'use strict'
// Real Jest, Vitest and Mocha runs using leakguard/jest, leakguard/vitest and leakguard/mocha.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { test } = require('node:test')
const { runNode } = require('../scripts/spawn')

const root = path.join(__dirname, '..')
const jestBin = require.resolve('jest/bin/jest')
const mochaBin = require.resolve('mocha/bin/mocha.js')
const vitestBin = path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs')

function jest(dir) {
  // The files are named *.jest.js so that node --test does not run them itself.
  return runNode([jestBin, '--rootDir', path.join(__dirname, 'jest', dir), '--testMatch', '**/*.jest.js', '--setupFilesAfterEnv', path.join(root, 'jest.js'), '--ci', '--colors=false', '--testTimeout=30000'], {
    cwd: root,
    env: { FORCE_COLOR: '0' },
    timeoutMs: 180_000,
  })
}

test('Jest: toLeak and toBeCollected pass where they should', async () => {
  const { code, stderr } = await jest('pass')
  assert.equal(code, 0, stderr)
  assert.match(stderr, /Tests:\s+4 passed, 4 total/)
})

test('Jest: failures read like Jest\'s own', async () => {
  const { code, stderr } = await jest('fail')
  assert.equal(code, 1)
  assert.match(stderr, /Tests:\s+3 failed, 3 total/)
  // The heap leak's message names the function that allocates what each call keeps.
  assert.match(stderr, /expect\(fn\)\.not\.toLeak\(options\)\n\n\s+Expected the function not to leak, but heap grew ~[\d,]+ bytes per call over [\d,]+ calls; (each call keeps [^;]* held by [^;]*\(closure\) \S+ \(\S*failing\.jest\.js:\d+:\d+\); )?\d+% of the growth is allocated at \S*failing\.jest\.js:\d+:\d+ in handleRequest\./)
  assert.match(stderr, /expect\(probe\)\.toBeCollected\(options\)\n\n\s+Expected the object to be collected, but it is still alive after full GCs/)
  assert.match(stderr, /received value must be a function\.\n\s+Received: 42/)
})

/**
 * Runs real Vitest on __test__/vitest (setupFiles: leakguard/vitest) in
 * `pool`; resolves its JSON report with the exit code and each test's
 * { status, message } by title.
 */
async function vitest(pool) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-vitest-'))
  try {
    const outputFile = path.join(dir, 'report.json')
    const config = path.join(__dirname, 'vitest', 'vitest.config.mjs')
    const run = await runNode([vitestBin, 'run', '--config', config, '--pool', pool, '--reporter', 'json', '--outputFile', outputFile], {
      cwd: root,
      env: { NO_COLOR: '1', FORCE_COLOR: '0', LEAKGUARD_VITEST_POOL: pool },
      timeoutMs: 60_000,
    })
    assert.ok(fs.existsSync(outputFile), `no JSON report (exit ${run.code}, ${run.signal}): ${run.stdout}${run.stderr}`)
    const report = JSON.parse(fs.readFileSync(outputFile, 'utf8'))
    const tests = {}
    for (const file of report.testResults) {
      for (const t of file.assertionResults) tests[t.title] = { status: t.status, message: t.failureMessages.join('\n') }
    }
    return { ...run, report, tests }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

for (const pool of ['forks', 'threads']) {
  test(`Vitest (pool: ${pool}): toLeak and toBeCollected pass and fail where they should, with Jest's messages`, async () => {
    const { code, report, tests, stderr } = await vitest(pool)
    assert.equal(code, 1, stderr)
    assert.equal(report.numTotalTests, 7, stderr)
    assert.deepEqual(
      Object.fromEntries(Object.entries(tests).map(([title, t]) => [title, t.status])),
      {
        // In the threads pool, this one checks that it runs in a worker thread.
        'runs where the pool puts it, without --expose-gc': 'passed',
        'a pure function does not leak': 'passed',
        'a Map entry per call leaks; a listener per call leaks': 'passed',
        'a dropped object is collected; a retained one is not': 'passed',
        'leaky handler': 'failed',
        'retained object': 'failed',
        'not a function': 'failed',
      },
      JSON.stringify(tests, null, 2),
    )
    assert.equal(report.numPassedTests, 4)
    assert.equal(report.numFailedTests, 3)
    // The same messages as under Jest: the heap leak's names the function that allocates what each call keeps.
    assert.match(tests['leaky handler'].message, /expect\(fn\)\.not\.toLeak\(options\)\n\nExpected the function not to leak, but heap grew ~[\d,]+ bytes per call over [\d,]+ calls; (each call keeps [^;]* held by [^;]*\(closure\) \S+ \(\S*failing\.vitest\.js:\d+:\d+\); )?\d+% of the growth is allocated at \S*failing\.vitest\.js:\d+:\d+ in handleRequest\./)
    assert.match(tests['retained object'].message, /expect\(probe\)\.toBeCollected\(options\)\n\nExpected the object to be collected, but it is still alive after full GCs/)
    assert.match(tests['not a function'].message, /received value must be a function\.\nReceived: 42/)
  })
}

test('Mocha: the plugin fails the tests that leave listeners or handles behind', async () => {
  const { code, stdout, stderr } = await runNode([mochaBin, '--require', path.join(root, 'mocha.js'), '--reporter', 'json', path.join(__dirname, 'mocha', 'plugin.spec.js')], { cwd: root, timeoutMs: 120_000 })
  const report = JSON.parse(stdout)
  assert.equal(code, 2, stderr)
  assert.equal(report.stats.failures, 2)
  const failures = Object.fromEntries(report.failures.map((f) => [f.title, f.err]))
  assert.match(failures['leaves a listener on a long-lived emitter'].message, /^leakguard: the test left 1 'config' listener\(s\) on EventEmitter \(added at .*plugin\.spec\.js:\d+:\d+\)$/)
  assert.match(failures['leaves an interval running'].message, /^leakguard: the test left 1 active Timeout handle\(s\) running$/)
  assert.deepEqual(Object.keys(failures).sort(), ['leaves a listener on a long-lived emitter', 'leaves an interval running'])
  assert.ok(report.passes.some((p) => p.title === 'runs after the failures'), 'the run goes on after a failure')
})

test('Mocha: LEAKGUARD_MOCHA=0 turns the plugin off', async () => {
  const { code, stdout } = await runNode([mochaBin, '--require', path.join(root, 'mocha.js'), '--reporter', 'json', path.join(__dirname, 'mocha', 'plugin.spec.js')], { cwd: root, env: { LEAKGUARD_MOCHA: '0' }, timeoutMs: 120_000 })
  assert.equal(code, 0)
  const report = JSON.parse(stdout)
  assert.equal(report.stats.passes, 5)
  assert.equal(report.stats.failures, 0)
})

test('Mocha: what a leak check in a test leaves is the check\'s to report, not the plugin\'s again', async () => {
  const { code, stdout, stderr } = await runNode([mochaBin, '--require', path.join(root, 'mocha.js'), '--reporter', 'json', '--timeout', '30000', path.join(__dirname, 'mocha', 'check.spec.js')], { cwd: root, timeoutMs: 120_000 })
  const report = JSON.parse(stdout)
  assert.equal(code, 2, stderr)
  assert.equal(report.stats.failures, 2, JSON.stringify(report.failures, null, 2))
  const failed = report.failures.map((f) => f.title)
  // The check's rejection is that test's only failure: its 100,000-odd listeners are not the test's leftovers.
  assert.deepEqual(failed, ['a check that finds a listener leak fails the test once', 'a listener the test leaves outside its check is still reported, once'])
  assert.match(report.failures[0].err.message, /^subscribe\(\) leaks: listeners grew ~[\d.]+ per call over [\d,]+ calls \(EventEmitter 'evt', added at .*check\.spec\.js:\d+:\d+\)$/)
  // The one listener the test added outside its check is still reported, and only that one.
  assert.match(report.failures[1].err.message, /^leakguard: the test left 1 'config' listener\(s\) on EventEmitter \(added at .*check\.spec\.js:\d+:\d+\)$/)
  assert.ok(report.passes.some((p) => p.title === 'a check expected to find a listener leak passes'))
})
