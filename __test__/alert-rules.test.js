'use strict'
// The alerting rules and the Grafana dashboard the package ships: checked
// and unit-tested by the real promtool (Debian's prometheus package, which
// .ci/run installs), and every metric they use is one leakguard.prometheus()
// really exports.

const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { test } = require('node:test')
const client = require('prom-client')
const leakguard = require('..')

const DIR = path.join(__dirname, '..', 'alerting')
const RULES = path.join(DIR, 'leakguard.rules.yml')
const DASHBOARD = JSON.parse(fs.readFileSync(path.join(DIR, 'grafana-dashboard.json'), 'utf8'))

function promtool(...args) {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd: DIR })
  if (r.error) throw new Error(`promtool is not on PATH (.ci/run installs Debian's prometheus package): ${r.error.message}`)
  return r
}

/** Metric names an expression uses. */
function metricNames(expr) {
  return [...expr.matchAll(/\b(leakguard_[a-z_]+)\b/g)].map((m) => m[1])
}

test('promtool checks the rules and passes their unit tests (a leak, a resolved leak, a healthy service)', () => {
  const check = promtool('check', 'rules', RULES)
  assert.equal(check.status, 0, check.stdout + check.stderr)
  assert.match(check.stdout, /SUCCESS: 4 rules found/)
  const unit = promtool('test', 'rules', 'leakguard.rules.test.yml')
  assert.equal(unit.status, 0, unit.stdout + unit.stderr)
  assert.match(unit.stdout, /SUCCESS/)
})

test('a rule that fires too early fails its unit test (the tests can fail)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-rules-'))
  fs.writeFileSync(path.join(dir, 'leakguard.rules.yml'), fs.readFileSync(RULES, 'utf8').replace('for: 10m', 'for: 1m'))
  fs.copyFileSync(path.join(DIR, 'leakguard.rules.test.yml'), path.join(dir, 'leakguard.rules.test.yml'))
  const r = spawnSync('promtool', ['test', 'rules', 'leakguard.rules.test.yml'], { encoding: 'utf8', cwd: dir })
  assert.notEqual(r.status, 0)
  assert.match(r.stdout + r.stderr, /FAILED/)
})

test('every metric in the rules and the dashboard is one leakguard.prometheus() exports; the dashboard queries parse', async () => {
  const register = new client.Registry()
  const guard = leakguard.start({ intervalMs: 50, onLeak() {} })
  const unregister = leakguard.prometheus({ register, guard })
  const exported = new Set([...(await register.metrics()).matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]))
  unregister()
  guard.stop()
  const exprs = DASHBOARD.panels.flatMap((p) => p.targets.map((t) => t.expr))
  const ruleExprs = [...fs.readFileSync(RULES, 'utf8').matchAll(/expr: (.+)/g)].map((m) => m[1])
  for (const expr of [...exprs, ...ruleExprs]) {
    const names = metricNames(expr)
    assert.ok(names.length > 0, expr)
    for (const name of names) assert.ok(exported.has(name), `${name} (in ${expr}) is not exported; exported: ${[...exported].join(', ')}`)
  }
  // The dashboard's queries, with its variables filled in, parse as PromQL.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-dashboard-'))
  const file = path.join(dir, 'dashboard-queries.yml')
  const body = exprs.map((e, i) => `      - record: leakguard:dashboard_query_${i}\n        expr: ${JSON.stringify(e.replace(/\$job|\$instance/g, '.*'))}`).join('\n')
  fs.writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${body}\n`)
  const r = promtool('check', 'rules', file)
  assert.equal(r.status, 0, r.stdout + r.stderr)
  assert.equal(DASHBOARD.uid, 'leakguard')
  assert.ok(DASHBOARD.panels.length >= 10)
})
