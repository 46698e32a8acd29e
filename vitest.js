'use strict'
// Vitest matchers. In vitest.config: test: { setupFiles: ['leakguard/vitest'] }
//   await expect(handler).not.toLeak(options?)
//   await expect(leakguard.probe(obj)).toBeCollected()
// Works in every Node pool (forks, threads, vmForks, vmThreads): in a worker
// thread the checks force their GCs there, without --expose-gc.

const { codedError } = require('./lib/errors')
const { toBeCollected, toLeak } = require('./lib/check/matchers')

/**
 * Vitest's `expect`. The `vitest` package cannot be required from CommonJS;
 * the `expect` it exports is the one Vitest keeps on this global symbol (and
 * on `globalThis.expect` with `globals: true`) before it runs setup files.
 */
function vitestExpect() {
  const candidates = [globalThis[Symbol.for('expect-global')], globalThis.expect]
  return candidates.find((e) => typeof e === 'function' && typeof e.extend === 'function') || null
}

const expect = vitestExpect()
if (expect) {
  expect.extend({ toLeak, toBeCollected })
} else if (process.env.VITEST) {
  throw codedError('ERR_LEAKGUARD_NO_EXPECT', "leakguard/vitest found no Vitest expect to extend: load it from the config's test.setupFiles")
}

module.exports = { toLeak, toBeCollected }
