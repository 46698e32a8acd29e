'use strict'
// `leakguard run -- node app.js …`: the app under the preload, its guard
// recording into a private file, and the report rendered from that file
// when the app exits, when the duration passes, or on SIGINT/SIGTERM
// (forwarded to the app). The app's exit code is kept.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { codedError } = require('../errors')
const { jsonRecord } = require('../alerting/json-log')
const { documentFromLog } = require('./document')
const { renderReport } = require('./render')

const REGISTER = path.join(__dirname, '..', '..', 'register.js')
/** How often the app's guard writes its timeline: a crash loses at most this much. */
const RECORD_FLUSH_MS = 1000
/** The app gets this long to exit after SIGTERM before SIGKILL. */
const KILL_AFTER_MS = 5000
/** The end of the app's stderr kept for a crash's report. */
const STDERR_TAIL = 4096

/** Throws ERR_LEAKGUARD_REPORT_OUT unless `file` can be written (checked before the app starts). */
function checkWritable(file) {
  const dir = path.dirname(path.resolve(file))
  try {
    const stat = fs.statSync(dir)
    if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`)
    fs.accessSync(dir, fs.constants.W_OK)
    if (fs.existsSync(file)) {
      if (fs.statSync(file).isDirectory()) throw new Error('it is a directory')
      fs.accessSync(file, fs.constants.W_OK)
    }
  } catch (error) {
    throw codedError('ERR_LEAKGUARD_REPORT_OUT', `The report cannot be written to ${file}: ${error.message}`, { cause: error })
  }
}

/** Writes the rendered report atomically (a temporary file renamed into place). */
function writeReport(file, text) {
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, text, { mode: 0o644 })
  fs.renameSync(tmp, file)
}

/**
 * Runs `argv` (the app's command) under the preload and writes the report
 * to `out`. Resolves `{ exitCode, signal, crashed, leaks, out }`.
 */
function runWithReport(argv, { out, durationMs = 0, format = 'html', stderr = process.stderr, env = process.env }) {
  checkWritable(out)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-run-'))
  const record = path.join(dir, 'record.jsonl')
  const nodeOptions = `${env.NODE_OPTIONS || ''} --require ${JSON.stringify(REGISTER)}`.trim()
  const child = spawn(argv[0], argv.slice(1), {
    stdio: ['inherit', 'inherit', 'pipe'],
    env: { ...env, NODE_OPTIONS: nodeOptions, LEAKGUARD_RECORD_FILE: record, LEAKGUARD_RECORD_FLUSH_MS: String(RECORD_FLUSH_MS) },
  })
  let tail = ''
  child.stderr.on('data', (chunk) => {
    stderr.write(chunk)
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL)
  })
  let sent = null
  const stopApp = (signal) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    sent = sent || signal
    child.kill(signal)
    if (signal === 'SIGTERM') setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS).unref()
  }
  const onSigint = () => stopApp('SIGINT')
  const onSigterm = () => stopApp('SIGTERM')
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigterm)
  const timer = durationMs > 0 ? setTimeout(() => stopApp('SIGTERM'), durationMs) : null
  return new Promise((resolve, reject) => {
    child.on('error', (error) => {
      finish()
      reject(codedError('ERR_LEAKGUARD_RUN_SPAWN', `The app could not be started (${argv[0]}): ${error.message}`, { cause: error }))
    })
    child.on('close', (code, signal) => {
      finish()
      const crashed = sent === null && (signal !== null || code !== 0)
      const exit = { exitCode: code, signal, crashed, stderrTail: crashed ? tail : null }
      try {
        fs.appendFileSync(record, `${jsonRecord('LeakguardRunExit', 'LEAKGUARD_EXIT', crashed ? 'error' : 'info', { ...exit, pid: child.pid, threadId: 0 })}\n`)
        const text = fs.readFileSync(record, 'utf8')
        const doc = documentFromLog(text, { source: argv.join(' ') })
        const rendered = renderReport(doc, format)
        writeReport(out, typeof rendered === 'string' ? rendered : `${JSON.stringify(rendered, null, 2)}\n`)
        const leaks = doc.processes.reduce((n, p) => n + p.leaks.length, 0)
        resolve({ ...exit, leaks, out })
      } catch (error) {
        reject(error)
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    })
  })
  function finish() {
    if (timer) clearTimeout(timer)
    process.off('SIGINT', onSigint)
    process.off('SIGTERM', onSigterm)
  }
}

module.exports = { checkWritable, runWithReport, writeReport }
