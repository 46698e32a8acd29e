'use strict'
// index.d.ts accepts typical use under `tsc --strict`, and rejects misuse.

const assert = require('node:assert/strict')
const path = require('node:path')
const { test } = require('node:test')
const { runNode } = require('./helpers/spawn')

test('tsc --strict accepts typical use of index.d.ts', async () => {
  const tsc = require.resolve('typescript/bin/tsc')
  const file = path.join(__dirname, 'types', 'usage.ts')
  const { code, stdout, stderr } = await runNode([tsc, '--strict', '--noEmit', '--esModuleInterop', '--module', 'commonjs', '--target', 'es2022', '--types', 'node', file], { timeoutMs: 120_000 })
  assert.equal(code, 0, stdout + stderr)
})
