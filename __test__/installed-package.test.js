'use strict'
// leakguard as users get it: the packed main package and the linux-x64-gnu
// platform package installed into a fresh project outside the repository,
// with cargo and rustc absent from PATH. From there: every entry point by
// require and by import, a real Jest run through `setupFilesAfterEnv:
// ['leakguard/jest']`, a real Vitest run through `setupFiles:
// ['leakguard/vitest']` (forks and threads pools), a real Mocha run with
// `--require leakguard/mocha`,
// `tsc --strict` on a file using every export and type, the preload (`-r`,
// `--import`, NODE_OPTIONS) finding a leak in a service and logging it as
// JSON, worker threads left alone unless asked, and bad LEAKGUARD_*
// variables failing at start-up.

const assert = require('node:assert/strict')
const { execFileSync, spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { after, before, describe, test } = require('node:test')
const { runNode } = require('../scripts/spawn')

const root = path.join(__dirname, '..')
const fixtures = path.join(__dirname, 'installed')
/** The dev tools the consumer installs, at the versions the repository uses (from npm's cache). */
const TOOLS = ['jest', 'mocha', 'vitest', 'typescript', '@types/node', '@jest/globals']

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

/**
 * Runs node with `args` in the consumer project until a JSON leak report
 * shows on stderr (then kills it) or `timeoutMs` passes; resolves the
 * parsed report line, or null, with all of stderr.
 */
function untilJsonReport(args, extraEnv, timeoutMs = 90_000) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: project, env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    let found = null
    const finish = () => {
      clearTimeout(timer)
      child.kill()
    }
    const timer = setTimeout(finish, timeoutMs)
    child.stderr.on('data', (chunk) => {
      stderr += chunk
      for (const line of stderr.split('\n')) {
        if (found || !line.startsWith('{')) continue
        try {
          const parsed = JSON.parse(line)
          if (parsed.name === 'LeakWarning' && parsed.report.kind === 'heap') found = parsed
        } catch {}
      }
      if (found) finish()
    })
    child.on('close', () => resolve({ report: found, stderr }))
  })
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
      main: ['analyzeHeapSnapshots', 'assertNoLeak', 'checkLeak', 'gc', 'openTelemetry', 'probe', 'prometheus', 'start'],
      register: ['captureHeapSnapshot', 'expectCollected', 'off', 'on', 'stats', 'stop', 'track'],
      jest: ['toBeCollected', 'toLeak'],
      vitest: ['toBeCollected', 'toLeak'],
      mocha: ['afterEach', 'beforeEach'],
      packageJson: 'leakguard',
      leaked: true,
    })
  })

  test('every entry point loads through import', async () => {
    const { code, stdout, stderr } = await inProject(['import-all.mjs'])
    assert.equal(code, 0, stderr)
    assert.deepEqual(JSON.parse(stdout.trim()), {
      named: ['analyzeHeapSnapshots', 'assertNoLeak', 'checkLeak', 'gc', 'openTelemetry', 'probe', 'prometheus', 'start'],
      register: ['captureHeapSnapshot', 'expectCollected', 'off', 'on', 'stats', 'stop', 'track'],
      jest: ['toBeCollected', 'toLeak'],
      vitest: ['toBeCollected', 'toLeak'],
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

  for (const pool of ['forks', 'threads']) {
    test(`a real Vitest run with setupFiles: ['leakguard/vitest'] (pool: ${pool})`, async () => {
      const vitest = path.join(project, 'node_modules', 'vitest', 'vitest.mjs')
      const outputFile = path.join(project, `vitest-${pool}.json`)
      const { code, stdout, stderr } = await inProject([vitest, 'run', '--pool', pool, '--reporter', 'json', '--outputFile', outputFile], { NO_COLOR: '1', LEAKGUARD_VITEST_POOL: pool })
      assert.equal(code, 1, stdout + stderr)
      const report = JSON.parse(fs.readFileSync(outputFile, 'utf8'))
      const tests = report.testResults.flatMap((file) => file.assertionResults)
      const failed = tests.filter((t) => t.status !== 'passed')
      assert.deepEqual(failed.map((t) => t.title), ['a Map that only grows leaks (fails on purpose)'], JSON.stringify(failed, null, 2))
      assert.equal(report.numPassedTests, 3)
      assert.match(failed[0].failureMessages[0], /^Error: expect\(fn\)\.not\.toLeak\(options\)\n\nExpected the function not to leak, but heap grew ~[\d,]+ bytes per call/)
    })
  }

  test('a real Mocha run with --require leakguard/mocha', async () => {
    const mocha = path.join(project, 'node_modules', 'mocha', 'bin', 'mocha.js')
    const { code, stdout, stderr } = await inProject([mocha, '--require', 'leakguard/mocha', '--reporter', 'json', 'plugin.spec.cjs'])
    assert.notEqual(code, 0, stderr)
    const report = JSON.parse(stdout)
    assert.deepEqual(report.failures.map((f) => f.title), ['leaves a listener behind (fails on purpose)'])
    assert.match(report.failures[0].err.message, /left 1 'update' listener\(s\) on EventEmitter \(added at .*plugin\.spec\.cjs:9:9\)/)
    assert.deepEqual(report.tests.find((t) => t.title === 'cleans up after itself').err, {})
  })

  test('npx leakguard analyze: the installed command line on snapshots the installed package wrote', async () => {
    const { code, stdout, stderr } = await inProject(['snapshot-pair.cjs'])
    assert.equal(code, 0, stderr)
    const [base, target] = JSON.parse(stdout.trim())
    const npx = execFileSync('sh', ['-c', 'command -v npx'], { encoding: 'utf8' }).trim()
    const printed = execFileSync(npx, ['--no-install', 'leakguard', 'analyze', base, target, '--top', '1'], { cwd: project, env: { ...process.env, ...env }, encoding: 'utf8' })
    assert.match(printed, /Order: \+300 new/, printed)
    assert.match(printed, /300 × Order \[\] ← Map 'orders' ← \(closure\) place \(.*snapshot-pair\.cjs:\d+:\d+\)/, printed)
    const bin = path.join(project, 'node_modules', '.bin', 'leakguard')
    const json = JSON.parse(execFileSync(bin, ['analyze', base, target, '--json'], { cwd: project, env: { ...process.env, ...env }, encoding: 'utf8' }))
    assert.equal(json.classes[0].name, 'Order')
  })

  test('npx leakguard run and leakguard report: the installed command line writes the HTML report; the alert rules ship', async () => {
    const bin = path.join(project, 'node_modules', '.bin', 'leakguard')
    const out = path.join(project, 'run-report.html')
    const run = spawnSync(bin, ['run', '--out', out, '--', process.execPath, '-e', 'setTimeout(() => process.exit(5), 600)'], { cwd: project, env: { ...process.env, ...env, LEAKGUARD_INTERVAL_MS: '50' }, encoding: 'utf8' })
    assert.equal(run.status, 5, run.stderr)
    const page = fs.readFileSync(out, 'utf8')
    assert.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;/)
    assert.match(page, /data-chart="heap"/)
    const log = path.join(project, 'app.jsonl')
    spawnSync(process.execPath, ['-r', 'leakguard/register', '-e', 'setTimeout(() => {}, 400)'], { cwd: project, env: { ...process.env, ...env, LEAKGUARD_LOG: 'json', LEAKGUARD_INTERVAL_MS: '50', LEAKGUARD_RECORD_FILE: log } })
    const text = execFileSync(bin, ['report', log, '--format', 'text'], { cwd: project, env: { ...process.env, ...env }, encoding: 'utf8' })
    assert.match(text, /No leak was reported/)
    for (const f of ['leakguard.rules.yml', 'leakguard.rules.test.yml', 'grafana-dashboard.json']) assert.ok(fs.existsSync(path.join(project, 'node_modules', 'leakguard', 'alerting', f)), f)
  })

  test('tsc --strict accepts every export and type of the installed package', async () => {
    const tsc = path.join(project, 'node_modules', 'typescript', 'bin', 'tsc')
    const { code, stdout, stderr } = await inProject([tsc, '-p', 'tsconfig.json'])
    assert.equal(code, 0, stdout + stderr)
  })

  describe('the preload finds a leak in a service that knows nothing of it, and logs it as JSON', { concurrency: 3 }, () => {
    const config = { LEAKGUARD_INTERVAL_MS: '100', LEAKGUARD_LOG: 'json' }
    const check = ({ report, stderr }) => {
      assert.ok(report, `no JSON heap report on stderr: ${stderr.slice(-2000)}`)
      assert.match(report.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      assert.equal(report.code, 'LEAKGUARD_LEAK')
      assert.equal(report.level, 'warn')
      assert.equal(report.hostname, os.hostname())
      assert.equal(report.threadId, 0)
      assert.ok(Number.isInteger(report.pid) && report.pid !== process.pid)
      assert.match(report.message, /^V8 heap grows/)
      assert.equal(report.message, report.report.message)
      assert.ok(report.report.growthPerMinute > 0, JSON.stringify(report.report))
      // The leaking line is named: the timer in leaky-app.
      assert.match(report.report.allocationSites[0].site, /leaky-app\.[cm]?js:\d+:\d+$/, JSON.stringify(report.report.allocationSites))
    }
    test('node -r leakguard/register app.cjs', async () => check(await untilJsonReport(['-r', 'leakguard/register', 'leaky-app.cjs'], config)))
    test('node --import leakguard/register app.mjs', async () => check(await untilJsonReport(['--import', 'leakguard/register', 'leaky-app.mjs'], config)))
    test("NODE_OPTIONS='--require leakguard/register' node app.cjs", async () => check(await untilJsonReport(['leaky-app.cjs'], { ...config, NODE_OPTIONS: '--require leakguard/register' })))
  })

  test('worker threads get no guard from the preload unless LEAKGUARD_WORKERS=true', async () => {
    const plain = await inProject(['-r', 'leakguard/register', 'worker-guards.cjs'])
    assert.equal(plain.code, 0, plain.stderr)
    assert.deepEqual(JSON.parse(plain.stdout.trim()), { main: 'function', worker: null })
    const asked = await inProject(['-r', 'leakguard/register', 'worker-guards.cjs'], { LEAKGUARD_WORKERS: 'true' })
    assert.equal(asked.code, 0, asked.stderr)
    assert.deepEqual(JSON.parse(asked.stdout.trim()), { main: 'function', worker: 'function' })
  })

  test('prometheus() and openTelemetry() without their optional peer dependencies installed: a coded error, not a crash', async () => {
    const script = `
      const leakguard = require('leakguard')
      const guard = leakguard.start({ intervalMs: 60_000 })
      const codes = []
      for (const attach of [leakguard.prometheus, leakguard.openTelemetry]) {
        try { attach() } catch (error) { codes.push(error.code + ': ' + error.message) }
      }
      guard.stop()
      console.log(JSON.stringify(codes))
    `
    const { code, stdout, stderr } = await inProject(['-e', script])
    assert.equal(code, 0, stderr)
    const codes = JSON.parse(stdout.trim())
    assert.equal(codes.length, 2)
    assert.match(codes[0], /^ERR_LEAKGUARD_PEER_MISSING: .*'prom-client': npm install prom-client$/)
    assert.match(codes[1], /^ERR_LEAKGUARD_PEER_MISSING: .*'@opentelemetry\/api': npm install @opentelemetry\/api$/)
  })

  test('a LEAKGUARD_* variable that is not known (a typo) fails at start-up, naming the nearest one', async () => {
    const { code, stderr } = await inProject(['-r', 'leakguard/register', '-e', 'console.log("ran")'], { LEAKGUARD_INTERVAL: '250' })
    assert.notEqual(code, 0)
    assert.match(stderr, /ERR_LEAKGUARD_UNKNOWN_VARIABLE/)
    assert.match(stderr, /LEAKGUARD_INTERVAL is not a leakguard environment variable\. Did you mean LEAKGUARD_INTERVAL_MS\?/)
    assert.doesNotMatch(stderr, /\bran\b/)
  })

  test('a bad LEAKGUARD_* variable fails at start-up with its name', async () => {
    const { code, stderr } = await inProject(['-r', 'leakguard/register', '-e', 'console.log("ran")'], { LEAKGUARD_INTERVAL_MS: 'soon' })
    assert.notEqual(code, 0)
    assert.match(stderr, /ERR_OUT_OF_RANGE/)
    assert.match(stderr, /LEAKGUARD_INTERVAL_MS/)
    assert.match(stderr, /soon/)
  })
})
