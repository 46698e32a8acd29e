#!/usr/bin/env node
'use strict'
// The leakguard command line: `leakguard analyze <base> [<target> [<final>]]`,
// `leakguard run [options] -- <command …>`, `leakguard report <log.jsonl …>`.

const fs = require('node:fs')
const { DEFAULTS, LIMITS, analyzeHeapSnapshots } = require('../lib/snapshot/heap-analysis')
const { describeHeapAnalysisText } = require('../lib/report/describe')
const { bytes: formatBytes } = require('../lib/report/format')
const { documentFromLog } = require('../lib/report/document')
const { FORMATS, renderReport } = require('../lib/report/render')
const { checkWritable, runWithReport, writeReport } = require('../lib/report/run')

const USAGE = `Usage: leakguard run [--out <file>] [--duration <time>] [--format html|json|text] -- <command …>
       leakguard report <log.jsonl …> [--out <file>] [--format html|json|text]
       leakguard analyze <base> [<target> [<final>]] [options]

run     runs <command> (a Node.js app) under leakguard's preload, with the same
        LEAKGUARD_* configuration, and writes a report when it exits, when
        --duration passes (e.g. 90s, 10m, 2h) or on SIGINT/SIGTERM (forwarded
        to the app). Exits with the app's exit code. --out defaults to
        leak-report.html.
report  renders a report from JSON log lines (LEAKGUARD_LOG=json) of one or
        many processes; '-' reads standard input. --out defaults to
        leak-report.html (text: standard output).
analyze

Compares heap snapshots of one process, oldest first: objects new in <target>
(and, with <final>, still alive in it) by class, with what holds them.
With one snapshot, the classes that retain the most.

Options:
  --json           print the analysis as JSON
  --top <n>        classes to show (default ${DEFAULTS.top})
  --paths <n>      retainer paths per class (default ${DEFAULTS.paths})
  --progress       show progress on stderr (default: when stderr is a terminal
                   and the files exceed 20 MB)
  --no-progress    never show progress
  -h, --help       show this help`

/** Files this large show progress on a terminal by default. */
const PROGRESS_BYTES = 20 * 1024 * 1024

class UsageError extends Error {}

/** `90s`, `10m`, `2h`, `1500ms` or plain milliseconds, as milliseconds. */
function parseDuration(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text || '')
  if (!m) throw new UsageError(`--duration needs a time such as 90s, 10m or 2h${text === undefined ? '' : `, not '${text}'`}`)
  const ms = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] || 'ms']
  if (!(ms > 0) || ms > 2 ** 31 - 1) throw new UsageError(`--duration must be more than 0 and at most 24 days, not '${text}'`)
  return ms
}

/** The options `run` and `report` share: --out and --format. */
function reportOption(opts, arg, next) {
  if (arg === '--out') {
    const file = next()
    if (file === undefined || file === '') throw new UsageError('--out needs a file name')
    opts.out = file
    return true
  }
  if (arg === '--format') {
    const format = next()
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}${format === undefined ? '' : `, not '${format}'`}`)
    opts.format = format
    return true
  }
  return false
}

function parseRun(rest) {
  const opts = { command: 'run', out: 'leak-report.html', format: 'html', durationMs: 0, argv: [] }
  let i = 0
  const next = () => rest[++i]
  for (; i < rest.length; i++) {
    const arg = rest[i]
    if (arg === '--') {
      opts.argv = rest.slice(i + 1)
      break
    }
    if (reportOption(opts, arg, next)) continue
    if (arg === '--duration') opts.durationMs = parseDuration(next())
    else if (arg === '-h' || arg === '--help') return { help: true }
    else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`)
    else {
      opts.argv = rest.slice(i)
      break
    }
  }
  if (opts.argv.length === 0) throw new UsageError('run needs the command to run, after --: leakguard run -- node app.js')
  return opts
}

function parseReport(rest) {
  const opts = { command: 'report', out: null, format: 'html', files: [] }
  let i = 0
  const next = () => rest[++i]
  for (; i < rest.length; i++) {
    const arg = rest[i]
    if (reportOption(opts, arg, next)) continue
    if (arg === '-h' || arg === '--help') return { help: true }
    if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}'`)
    opts.files.push(arg)
  }
  if (opts.files.length === 0) throw new UsageError('report needs one or more JSON log files (or - for standard input)')
  if (opts.out === null && opts.format !== 'text') opts.out = 'leak-report.html'
  return opts
}

function parse(argv) {
  const opts = { json: false, top: DEFAULTS.top, paths: DEFAULTS.paths, progress: null, files: [] }
  const [command, ...rest] = argv
  if (command === '-h' || command === '--help') return { help: true }
  if (command === undefined) throw new UsageError('no command given')
  if (command === 'run') return parseRun(rest)
  if (command === 'report') return parseReport(rest)
  if (command !== 'analyze') throw new UsageError(`unknown command '${command}'`)
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]
    const number = (name) => {
      const text = rest[++i]
      const n = Number(text)
      const { min, max } = LIMITS[name.slice(2)]
      if (text === undefined || !/^\d+$/.test(text) || n < min || n > max) {
        throw new UsageError(`${name} needs a whole number from ${min} to ${max}${text === undefined ? '' : `, not '${text}'`}`)
      }
      return n
    }
    if (arg === '--json') opts.json = true
    else if (arg === '--top') opts.top = number(arg)
    else if (arg === '--paths') opts.paths = number(arg)
    else if (arg === '--progress') opts.progress = true
    else if (arg === '--no-progress') opts.progress = false
    else if (arg === '-h' || arg === '--help') return { help: true }
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}'`)
    else opts.files.push(arg)
  }
  if (opts.files.length === 0) throw new UsageError('analyze needs one to three snapshot files')
  if (opts.files.length > 3) throw new UsageError(`analyze takes at most three snapshot files (base, target, final); ${opts.files.length} were given`)
  return opts
}

function progressPrinter(files, stream) {
  const names = files.length === 1 ? 'snapshot' : ['base', 'target', 'final'].slice(0, files.length).join(', ')
  const tty = stream.isTTY
  let last = ''
  return {
    update(p) {
      if (p.phase === 'done') return
      const text =
        p.phase === 'reading'
          ? `reading ${names}: ${formatBytes(p.bytesRead)} of ${formatBytes(p.totalBytes)} (${p.totalBytes > 0 ? Math.floor((100 * p.bytesRead) / p.totalBytes) : 0} %)`
          : `${p.phase}…`
      if (text === last) return
      last = text
      stream.write(tty ? `\r\x1b[K${text}` : `${text}\n`)
    },
    end() {
      if (tty && last) stream.write('\r\x1b[K')
    },
  }
}

async function main(argv) {
  let opts
  try {
    opts = parse(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`leakguard: ${error.message} (leakguard --help for usage)\n`)
    return 2
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  if (opts.command === 'run') return run(opts)
  if (opts.command === 'report') return report(opts)
  let showProgress = opts.progress
  if (showProgress === null) {
    const total = opts.files.reduce((sum, f) => sum + (fs.statSync(f, { throwIfNoEntry: false })?.size || 0), 0)
    showProgress = Boolean(process.stderr.isTTY) && total > PROGRESS_BYTES
  }
  const printer = showProgress ? progressPrinter(opts.files, process.stderr) : null
  try {
    const analysis = await analyzeHeapSnapshots(opts.files, { top: opts.top, paths: opts.paths, onProgress: printer ? (p) => printer.update(p) : undefined })
    if (printer) printer.end()
    process.stdout.write(opts.json ? `${JSON.stringify(analysis, null, 2)}\n` : `${describeHeapAnalysisText(analysis)}\n`)
    return 0
  } catch (error) {
    if (printer) printer.end()
    process.stderr.write(`leakguard: ${error.message}\n`)
    return 1
  }
}

/** `leakguard run`: the app's exit code (128 + the signal's number when a signal ended it). */
async function run(opts) {
  try {
    checkWritable(opts.out)
  } catch (error) {
    process.stderr.write(`leakguard: ${error.code}: ${error.message}\n`)
    return 1
  }
  const result = await runWithReport(opts.argv, { out: opts.out, durationMs: opts.durationMs, format: opts.format })
  const state = result.crashed ? `; the app crashed (${result.signal ? result.signal : `exit code ${result.exitCode}`})` : ''
  process.stderr.write(`leakguard: ${result.leaks} leak${result.leaks === 1 ? '' : 's'} found${state}; report: ${opts.out}\n`)
  if (result.signal) return 128 + (require('node:os').constants.signals[result.signal] || 0)
  return result.exitCode ?? 1
}

/** `leakguard report`: renders JSON log lines. */
async function report(opts) {
  if (opts.out) {
    try {
      checkWritable(opts.out)
    } catch (error) {
      process.stderr.write(`leakguard: ${error.code}: ${error.message}\n`)
      return 1
    }
  }
  let text = ''
  for (const file of opts.files) {
    try {
      text += `${fs.readFileSync(file === '-' ? 0 : file, 'utf8')}\n`
    } catch (error) {
      process.stderr.write(`leakguard: cannot read ${file}: ${error.message}\n`)
      return 1
    }
  }
  const doc = documentFromLog(text, { source: opts.files.join(', ') })
  const rendered = renderReport(doc, opts.format)
  const output = typeof rendered === 'string' ? rendered : `${JSON.stringify(rendered, null, 2)}`
  if (!opts.out) {
    process.stdout.write(`${output}\n`)
    return 0
  }
  writeReport(opts.out, output.endsWith('\n') ? output : `${output}\n`)
  const leaks = doc.processes.reduce((n, p) => n + p.leaks.length, 0)
  const skipped = doc.skippedLines > 0 ? `, ${doc.skippedLines} line(s) skipped` : ''
  process.stderr.write(`leakguard: ${doc.processes.length} process(es), ${leaks} leak${leaks === 1 ? '' : 's'}${skipped}; report: ${opts.out}\n`)
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error) => {
    process.stderr.write(`leakguard: ${error.stack || error}\n`)
    process.exitCode = 1
  },
)
