'use strict'
// Runs node scripts in child processes, a few at a time, for tests that need
// a fresh process (memory scenarios, exit behaviour, warnings on stderr).

const { spawn } = require('node:child_process')

/** Runs `node ...args`; resolves { code, signal, stdout, stderr, ms }. */
function runNode(args, { env, timeoutMs = 120_000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started })
    })
  })
}

/** Returns `limit(fn)`, which runs async `fn` once fewer than `max` are in flight. */
function createLimiter(max) {
  let active = 0
  const waiting = []
  const release = () => {
    active--
    if (waiting.length > 0) waiting.shift()()
  }
  return (fn) =>
    new Promise((resolve, reject) => {
      const go = () => {
        active++
        fn().then(resolve, reject).finally(release)
      }
      if (active < max) go()
      else waiting.push(go)
    })
}

/** Parses the JSON a scenario prints on its last stdout line. */
function lastJsonLine(stdout) {
  const lines = stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1])
}


module.exports = { createLimiter, lastJsonLine, runNode }
