// Loads every documented entry point of the installed package with import.
import { analyzeHeapSnapshots, assertNoLeak, checkLeak, gc, openTelemetry, probe, prometheus, start } from 'leakguard'
import guard from 'leakguard/register'
import * as jest from 'leakguard/jest'
import * as vitest from 'leakguard/vitest'
import { mochaHooks } from 'leakguard/mocha'
import manifest from 'leakguard/package.json' with { type: 'json' }

gc()
const named = { analyzeHeapSnapshots, assertNoLeak, checkLeak, gc, openTelemetry, probe, prometheus, start }
const started = start({ intervalMs: 60_000 })
started.stop()
guard.stop()
console.log(JSON.stringify({
  named: Object.keys(named).filter((k) => typeof named[k] === 'function').sort(),
  register: ['captureHeapSnapshot', 'expectCollected', 'off', 'on', 'stats', 'stop', 'track'].filter((m) => typeof guard[m] === 'function'),
  jest: Object.keys(jest).filter((k) => k !== 'default').sort(),
  vitest: Object.keys(vitest).filter((k) => k !== 'default').sort(),
  mocha: Object.keys(mochaHooks).sort(),
  packageJson: manifest.name,
}))
