'use strict'
// leakguard as users get it: the packed main package and the linux-x64-gnu
// platform package installed into a fresh project outside the repository,
// with cargo and rustc absent from PATH. From there: every entry point by
// require and by import, a real Jest run through `setupFilesAfterEnv:
// ['leakguard/jest']`, a real Mocha run with `--require leakguard/mocha`,
// `tsc --strict` on a file using every export and type, and a bad
// LEAKGUARD_* variable failing at start-up.

const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { after, before, describe, test } = require('node:test')
const { runNode } = require('../scripts/spawn')

const root = path.join(__dirname, '..')
const fixtures = path.join(__dirname, 'installed')
/** The dev tools the consumer installs, at the versions the repository uses (from npm's cache). */
const TOOLS = ['jest', 'mocha', 'typescript', '@types/node', '@jest/globals']

let project = null
let env = null

/** PATH without any directory that holds cargo or rustc. */
function pathWithoutRust() {
  return process.env.PATH.split(path.delimiter)
    .filter((dir) => dir && !['cargo', 'rustc'].some((tool) => fs.existsSync(path.join(dir, tool))))
    .join(path.delimiter)
}

function toolVersion(name) {
  return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [root] }), 'utf8')).version
}

/** Runs a node script from the consumer project. */
function inProject(args, extraEnv = {}) {
  return runNode(args, { cwd: project, env: { ...env, ...extraEnv }, timeoutMs: 180_000 })
}

before(async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-installed-'))
  project = path.join(tmp, 'consumer')
  fs.mkdirSync(project)
  const packed = await runNode([path.join(root, 'scripts', 'pack.js'), path.join(tmp, 'tarballs')], { cwd: root, timeoutMs: 120_000 })
  assert.equal(packed.code, 0, packed.stderr)
  const tarballs = JSON.parse(packed.stdout.trim())
  assert.ok(tarballs.platforms['leakguard-linux-x64-gnu'], 'the linux-x64-gnu platform package was packed')
  fs.cpSync(fixtures, project, { recursive: true })
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2))
  env = { PATH: pathWithoutRust(), CARGO: '', RUSTC: '', NODE_OPTIONS: '' }
  const npm = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim()
  const tools = TOOLS.map((t) => `${t}@${toolVersion(t)}`)
  execFileSync(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarballs.main, ...Object.values(tarballs.platforms), ...tools], {
    cwd: project,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  })
})

after(() => {
  if (project) fs.rmSync(path.dirname(project), { recursive: true, force: true })
})

describe('the installed package', () => {
  test('the install found no Rust toolchain and took the prebuilt binary', () => {
    assert.equal(fs.existsSync(path.join(project, 'node_modules', 'leakguard', 'leakguard.linux-x64-gnu.node')), false, 'the main package ships no binary')
    assert.ok(fs.existsSync(path.join(project, 'node_modules', 'leakguard-linux-x64-gnu', 'leakguard.linux-x64-gnu.node')))
    assert.ok(!env.PATH.split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, 'cargo'))))
  })

  test('every entry point loads through require', async () => {
    const { code, stdout, stderr } = await inProject(['require-all.cjs'])
    assert.equal(code, 0, stderr)
    assert.deepEqual(JSON.parse(stdout.trim()), {
      main: ['assertNoLeak', 'checkLeak', 'gc', 'probe', 'start'],
      register: ['expectCollected', 'stats', 'stop', 'track'],
      jest: ['toBeCollected', 'toLeak'],
      mocha: ['afterEach', 'beforeEach'],
      packageJson: 'leakguard',
      leaked: true,
    })
  })

  test('every entry point loads through import', async () => {
    const { code, stdout, stderr } = await inProject(['import-all.mjs'])
    assert.equal(code, 0, stderr)
    assert.deepEqual(JSON.parse(stdout.trim()), {
      named: ['assertNoLeak', 'checkLeak', 'gc', 'probe', 'start'],
      register: ['expectCollected', 'stats', 'stop', 'track'],
      jest: ['toBeCollected', 'toLeak'],
      mocha: ['afterEach', 'beforeEach'],
      packageJson: 'leakguard',
    })
  })

  test('a real Jest run with setupFilesAfterEnv: [\'leakguard/jest\']', async () => {
    const jest = path.join(project, 'node_modules', 'jest', 'bin', 'jest.js')
    const { code, stderr } = await inProject([jest, '--ci', '--colors=false'], { FORCE_COLOR: '0' })
    assert.equal(code, 1, stderr)
    assert.match(stderr, /Tests:\s+1 failed, 2 passed, 3 total/)
    assert.match(stderr, /Expected the function not to leak, but heap grew ~[\d,]+ bytes per call/)
  })

  test('a real Mocha run with --require leakguard/mocha', async () => {
    const mocha = path.join(project, 'node_modules', 'mocha', 'bin', 'mocha.js')
    const { code, stdout, stderr } = await inProject([mocha, '--require', 'leakguard/mocha', '--reporter', 'json', 'plugin.spec.cjs'])
    assert.notEqual(code, 0, stderr)
    const report = JSON.parse(stdout)
    assert.deepEqual(report.failures.map((f) => f.title), ['leaves a listener behind (fails on purpose)'])
    assert.match(report.failures[0].err.message, /left 1 'update' listener\(s\) left on EventEmitter \(added at .*plugin\.spec\.cjs:9:9\)/)
    assert.deepEqual(report.tests.find((t) => t.title === 'cleans up after itself').err, {})
  })

  test('tsc --strict accepts every export and type of the installed package', async () => {
    const tsc = path.join(project, 'node_modules', 'typescript', 'bin', 'tsc')
    const { code, stdout, stderr } = await inProject([tsc, '-p', 'tsconfig.json'])
    assert.equal(code, 0, stdout + stderr)
  })

  test('a bad LEAKGUARD_* variable fails at start-up with its name', async () => {
    const { code, stderr } = await inProject(['-r', 'leakguard/register', '-e', 'console.log("ran")'], { LEAKGUARD_INTERVAL_MS: 'soon' })
    assert.notEqual(code, 0)
    assert.match(stderr, /ERR_OUT_OF_RANGE/)
    assert.match(stderr, /LEAKGUARD_INTERVAL_MS/)
    assert.match(stderr, /soon/)
  })
})
