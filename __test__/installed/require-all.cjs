'use strict'
// Loads every documented entry point of the installed package with require().
const leakguard = require('leakguard')
const guard = require('leakguard/register')
const jest = require('leakguard/jest')
const vitest = require('leakguard/vitest')
const mocha = require('leakguard/mocha')
const manifest = require('leakguard/package.json')

const kept = []
leakguard
  .checkLeak(() => kept.push(new Array(64).fill(kept.length)), { kinds: ['heap'] })
  .then((result) => {
    guard.stop()
    console.log(JSON.stringify({
      main: Object.keys(leakguard).sort(),
      register: ['captureHeapSnapshot', 'expectCollected', 'off', 'on', 'stats', 'stop', 'track'].filter((m) => typeof guard[m] === 'function'),
      jest: Object.keys(jest).sort(),
      vitest: Object.keys(vitest).sort(),
      mocha: Object.keys(mocha.mochaHooks).sort(),
      packageJson: manifest.name,
      leaked: result.leaked,
    }))
  })
