'use strict'
// A report document in the form asked for: 'html' (a page), 'json' (the
// document itself) or 'text' (the sentences, for a terminal).

const fmt = require('./format')
const { renderHtml } = require('./html')
const { invalidArgValue } = require('../errors')

const FORMATS = ['html', 'json', 'text']

/** The document as text: one paragraph a leak, with its state. */
function renderText(doc) {
  const lines = []
  if (doc.processes.length === 0) lines.push(`Nothing to show: ${doc.source || 'the input'} held no leakguard samples or reports.`)
  for (const p of doc.processes) {
    if (doc.processes.length > 1) lines.push(`${p.host} pid ${p.pid}${p.threadId ? ` thread ${p.threadId}` : ''}:`)
    if (p.exit && p.exit.crashed) lines.push(`  The app crashed (${p.exit.signal ? `signal ${p.exit.signal}` : `exit code ${p.exit.code}`}).`)
    if (p.leaks.length === 0) lines.push('  No leak was reported.')
    for (const leak of p.leaks) {
      const state = leak.resolved ? `resolved after ${fmt.duration(leak.resolved.durationMs)}` : 'open'
      lines.push(`  [${leak.severity}] ${leak.identity} (${state}, ${leak.reports} report${leak.reports === 1 ? '' : 's'}): ${leak.latest.message}`)
      if (leak.analysis && leak.analysis.message) lines.push(`    ${leak.analysis.message}`)
    }
  }
  if (doc.skippedLines > 0) lines.push(`${fmt.count(doc.skippedLines)} line(s) skipped: not leakguard's, or broken.`)
  return lines.join('\n')
}

/** `doc` rendered as `format`: a string for 'html' and 'text', the document for 'json'. */
function renderReport(doc, format = 'html') {
  if (!FORMATS.includes(format)) throw invalidArgValue('options.format', `one of ${FORMATS.map((f) => `'${f}'`).join(', ')}`, format)
  if (format === 'json') return doc
  return format === 'html' ? renderHtml(doc) : renderText(doc)
}

module.exports = { FORMATS, renderReport }
