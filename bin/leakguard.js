#!/usr/bin/env node
'use strict'
// The leakguard command line: `leakguard analyze <base> [<target> [<final>]]`.

const fs = require('node:fs')
const { DEFAULTS, LIMITS, analyzeHeapSnapshots, formatBytes, formatHeapAnalysis } = require('../lib/heap-analysis')

const USAGE = `Usage: leakguard analyze <base> [<target> [<final>]] [options]

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

function parse(argv) {
  const opts = { json: false, top: DEFAULTS.top, paths: DEFAULTS.paths, progress: null, files: [] }
  const [command, ...rest] = argv
  if (command === '-h' || command === '--help') return { help: true }
  if (command === undefined) throw new UsageError('no command given')
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
  let showProgress = opts.progress
  if (showProgress === null) {
    const total = opts.files.reduce((sum, f) => sum + (fs.statSync(f, { throwIfNoEntry: false })?.size || 0), 0)
    showProgress = Boolean(process.stderr.isTTY) && total > PROGRESS_BYTES
  }
  const printer = showProgress ? progressPrinter(opts.files, process.stderr) : null
  try {
    const analysis = await analyzeHeapSnapshots(opts.files, { top: opts.top, paths: opts.paths, onProgress: printer ? (p) => printer.update(p) : undefined })
    if (printer) printer.end()
    process.stdout.write(opts.json ? `${JSON.stringify(analysis, null, 2)}\n` : `${formatHeapAnalysis(analysis)}\n`)
    return 0
  } catch (error) {
    if (printer) printer.end()
    process.stderr.write(`leakguard: ${error.message}\n`)
    return 1
  }
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
