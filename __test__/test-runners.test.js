'use strict'
// Real Jest and real Mocha runs using leakguard/jest and leakguard/mocha.

const assert = require('node:assert/strict')
const path = require('node:path')
const { test } = require('node:test')
const { runNode } = require('../scripts/spawn')

const root = path.join(__dirname, '..')
const jestBin = require.resolve('jest/bin/jest')
const mochaBin = require.resolve('mocha/bin/mocha.js')

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
  assert.match(stderr, /expect\(fn\)\.not\.toLeak\(options\)\n\n\s+Expected the function not to leak, but heap grew ~[\d,]+ bytes per call over [\d,]+ calls; \d+% of the growth is allocated at \S*failing\.jest\.js:\d+:\d+ in handleRequest\./)
  assert.match(stderr, /expect\(probe\)\.toBeCollected\(options\)\n\n\s+Expected the object to be collected, but it is still alive after full GCs/)
  assert.match(stderr, /received value must be a function\.\n\s+Received: 42/)
})

test('Mocha: the plugin fails the tests that leave listeners or handles behind', async () => {
  const { code, stdout, stderr } = await runNode([mochaBin, '--require', path.join(root, 'mocha.js'), '--reporter', 'json', path.join(__dirname, 'mocha', 'plugin.spec.js')], { cwd: root, timeoutMs: 120_000 })
  const report = JSON.parse(stdout)
  assert.equal(code, 2, stderr)
  assert.equal(report.stats.failures, 2)
  const failures = Object.fromEntries(report.failures.map((f) => [f.title, f.err]))
  assert.match(failures['leaves a listener on a long-lived emitter'].message, /^leakguard: the test left 1 'config' listener\(s\) left on EventEmitter \(added at .*plugin\.spec\.js:\d+:\d+\)/)
  assert.match(failures['leaves an interval running'].message, /1 active Timeout handle\(s\) left running/)
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
