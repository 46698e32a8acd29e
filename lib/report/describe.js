'use strict'
// Every human sentence about a finding is written here, once, from the
// report's data: warnings, JSON `message`s, test-runner failures, the CLI's
// text and the HTML report. Nothing edits a message after it is written.

const fmt = require('./format')

/** A heap report names its top allocation site when it holds this share of the growth. */
const NAMED_SHARE = 0.4

const MEMORY_KINDS = new Set(['heap', 'external', 'native'])

/** Whether `kind` is measured in bytes. */
function inBytes(kind) {
  return MEMORY_KINDS.has(kind)
}

/** What a memory report's sentence begins with, and the advice it ends with. */
const MEMORY_TEXT = {
  heap: ['V8 heap grows', 'look for globals, caches and closures that only grow'],
  external: ['External memory (Buffers, ArrayBuffers) grows', 'look for Buffers or typed arrays held in long-lived arrays, maps or closures'],
  native: ['Native memory outside V8 grows', 'heap snapshots will not show it: suspect a native addon or module that allocates without freeing'],
}

/** `addItem`, or `an anonymous function`. */
function functionText(name) {
  return !name || name === '<anonymous>' || name === '(anonymous)' ? 'an anonymous function' : name
}

/** `"87% of the growth is allocated at src/cart.js:41:17 in addItem"`, or null when no site holds NAMED_SHARE. */
function describeSites(sites) {
  const top = sites && sites[0]
  if (!top || !(top.share >= NAMED_SHARE)) return null
  return `${fmt.percent(top.share)} of the growth is allocated at ${top.site} in ${functionText(top.functionName)}`
}

/** One step of a retainer path: `Map 'carts'`, `(closure) add (src/a.js:3:9) .add`, `Cart []`. */
function describeStep(step) {
  let text = step.class
  if (step.function) text += ` ${step.function}${step.location ? ` (${step.location})` : ''}`
  if (step.edgeKind === 'property') text += ` .${step.edgeName}`
  else if (step.edgeKind === 'variable') text += ` '${step.edgeName}'`
  else if (step.edgeKind === 'element') text += ' []'
  if (step.repeat > 1) text += ` ×${fmt.count(step.repeat)}`
  return text
}

/** A retainer path on one line, from the object up: `Cart [] ← Map 'carts' ← (closure) add (…) ← …`. */
function describePath(steps) {
  return steps.map(describeStep).join(' ← ')
}

/** The span the report's samples cover, in ms. */
function windowMs(report) {
  const s = report.samples
  return s && s.length > 1 ? s[s.length - 1].at - s[0].at : 0
}

function memorySentence(report) {
  const [head, advice] = MEMORY_TEXT[report.kind]
  let text = `${head} ${fmt.rate(report.growthPerMinute, true)} over ${fmt.duration(windowMs(report))} and keeps it after full GCs (now ${fmt.bytes(report.current)}); ${advice}`
  if (report.msUntilLimit != null && report.heapLimit != null) {
    text += `; the heap limit (${fmt.bytes(report.heapLimit)}) is reached in ~${fmt.duration(report.msUntilLimit)} at this rate`
  }
  const sites = report.kind === 'heap' ? describeSites(report.allocationSites) : null
  if (sites) text += `; ${sites}`
  return text
}

const REMOVE_ADVICE = 'remove them when done, or add them with once() (EventTarget: { once: true })'

function listenerSentence(report) {
  const head = `${report.emitter} has ${fmt.count(report.current)} '${report.eventName}' listeners, growing ${fmt.rate(report.growthPerMinute, false)}`
  const top = report.addSites && report.addSites[0]
  if (!top) return `${head}; ${REMOVE_ADVICE}`
  const share = top.count / Math.max(1, report.sampledAdds || top.count)
  return `${head}: added at ${top.site} (${fmt.percent(share)} of sampled adds) and never removed; ${REMOVE_ADVICE}`
}

function objectSentence(report) {
  const top = report.creationSites && report.creationSites[0]
  if (report.reason === 'overdue') {
    return `A '${report.label}' object expected to be collected within ${fmt.duration(report.withinMs)} is still alive after ${fmt.duration(report.ageMs)} and two full GCs; created at ${top ? top.site : 'an unknown site'}: something still references it (a closure, a cache, a listener, a timer)`
  }
  let text = `'${report.label}' objects pile up: ${fmt.count(report.current)} alive (${fmt.count(report.created)} created, ${fmt.count(report.collected)} collected), growing ${fmt.rate(report.growthPerMinute, false)} and surviving full GCs`
  if (top) text += `; most created at ${top.site} (${fmt.count(top.count)} of ${fmt.count(report.sampledCreations || top.count)} sampled)`
  return `${text}: something keeps them reachable after use`
}

/** What a resolution says leaked. */
function subjectOf(report) {
  if (report.kind === 'heap') return 'V8 heap growth'
  if (report.kind === 'external') return 'External memory growth'
  if (report.kind === 'native') return 'Native memory growth'
  if (report.kind === 'listeners') return `Listener growth on ${report.emitter} '${report.eventName}'`
  return `Growth of alive '${report.label}' objects`
}

/**
 * The sentence for a guard's report: a leak (first, escalated or a
 * reminder) or a resolution.
 */
function describe(report) {
  if (report.resolved) {
    return `${subjectOf(report)} stopped: no longer reported as leaking, ${fmt.duration(report.durationMs)} after it was first reported (last seen at ${report.severity} severity)`
  }
  let text
  if (inBytes(report.kind)) text = memorySentence(report)
  else if (report.kind === 'listeners') text = listenerSentence(report)
  else text = objectSentence(report)
  if (report.escalatedFrom) text += ` (escalated from ${report.escalatedFrom} to ${report.severity})`
  if (report.repeat && report.leakingForMs != null) text += ` (still leaking after ${fmt.duration(report.leakingForMs)})`
  return text
}

/** One sentence for a two- or three-snapshot analysis: the class whose new objects retain the most, and what holds most of them. */
function describeHeapAnalysis(analysis) {
  const top = analysis.classes[0]
  if (!top || !top.newObjects) return 'nothing new is retained between the heap snapshots'
  const n = top.newObjects
  const p = top.retainerPaths[0]
  const held = p ? `, ${p.count === n.count ? 'all' : `${fmt.count(p.count)} of them`} held by ${describePath(p.steps)}` : ''
  return `heap snapshots show ${fmt.count(n.count)} new ${top.name} (${fmt.bytes(n.retainedSize)} retained)${held}`
}

/**
 * When the holder of the growth is a function other than the report's top
 * allocation site: `"; the top allocation site, handle (app.js:3:9), may be
 * a caller V8 inlined createSession into"`. V8's sampling profiler charges an
 * inlined function's allocations to its caller; the snapshots name the
 * function whose closure holds the growth.
 */
function inliningHint(report, analysis) {
  const site = report.allocationSites && report.allocationSites[0]
  const top = analysis.classes[0]
  const path = top && top.retainerPaths && top.retainerPaths[0]
  const holder = path && path.steps.find((step) => step.function && step.location)
  if (!site || !holder || !(site.share >= NAMED_SHARE)) return ''
  if (holder.location === site.site || holder.function === site.functionName) return ''
  return `; the top allocation site, ${functionText(site.functionName)} (${site.site}), may be a caller V8 inlined ${holder.function} (${holder.location}) into`
}

/** A heap analysis as `leakguard analyze` prints it: the snapshots read, then each class that grew with the paths holding it. */
function describeHeapAnalysisText(analysis) {
  const lines = []
  const diff = analysis.snapshots.length > 1
  const names = ['base', 'target', 'final']
  analysis.snapshots.forEach((s, i) => {
    const label = diff ? names[i].padEnd(7) : 'snapshot'
    const read = fmt.duration(s.readMs)
    lines.push(`${label} ${s.file}: ${fmt.count(s.nodes)} objects, ${fmt.bytes(s.totalBytes)} (read in ${read})`)
  })
  if (diff) {
    const fresh = analysis.newObjects
    const rule = analysis.snapshots.length > 2 ? 'new in target and still alive in final' : 'new in target'
    lines.push(`${fmt.count(fresh.count)} objects ${rule}, retaining ${fmt.bytes(fresh.retainedSize)}`)
  }
  if (analysis.classes.length === 0) {
    lines.push(diff ? 'Nothing new is retained: no class grew.' : 'No classes.')
    return lines.join('\n')
  }
  lines.push('')
  lines.push(diff ? 'Growing classes (objects new in target, by retained size):' : 'Classes by retained size:')
  for (const c of analysis.classes) {
    if (diff) {
      const n = c.newObjects
      const counts = [c.base, c.target, c.last].filter(Boolean).map((t) => fmt.count(t.count)).join(' → ')
      lines.push(`  ${c.name}: +${fmt.count(n.count)} new (${fmt.bytes(n.selfSize)} self, ${fmt.bytes(n.retainedSize)} retained); instances ${counts}`)
    } else {
      lines.push(`  ${c.name}: ${fmt.count(c.target.count)} (${fmt.bytes(c.target.selfSize)} self, ${fmt.bytes(c.target.retainedSize)} retained)`)
    }
    for (const p of c.retainerPaths) lines.push(`    ${fmt.count(p.count)} × ${describePath(p.steps)}`)
    if (c.allocatedAt.length > 0) lines.push(`    allocated at ${c.allocatedAt.map((a) => `${a.site} ×${fmt.count(a.count)}`).join(', ')}`)
  }
  return lines.join('\n')
}

/** The sentence for a follow-up comparison of a heap report's snapshots (`{ report, analysis | error, files }`). */
function describeAnalysis(result) {
  if (!result.analysis) return `${result.report.message}; the heap snapshots could not be compared: ${result.error}`
  return `${result.report.message}; ${describeHeapAnalysis(result.analysis)}${inliningHint(result.report, result.analysis)} (snapshots ${result.files.join(', ')})`
}

/** What each call of a checked function keeps, and what holds it: `"each call keeps 1 Cart (128 B retained), held by …"`. */
function describeHeapGrowth(growth) {
  const top = growth && growth.classes && growth.classes[0]
  if (!top) return null
  const each = top.perCall >= 0.95 && top.perCall < 1.05 ? `1 ${top.name}` : `${top.perCall.toFixed(top.perCall < 10 ? 2 : 0)} ${top.name}`
  const held = top.retainerPaths[0] ? `, held by ${describePath(top.retainerPaths[0].steps)}` : ''
  return `each call keeps ${each} (${fmt.bytes(top.retainedBytesPerCall)} retained)${held}`
}

/** What a leak check measures, by kind. */
const CHECK_WHAT = {
  heap: 'heap',
  external: 'external memory (Buffers)',
  native: 'native memory',
  listeners: 'listeners',
  handles: 'active handles',
  objects: 'tracked objects alive',
}

/** The sentence for one kind a leak check found growing. */
function describeCheckReport(report, calls) {
  let text = `${CHECK_WHAT[report.kind]} grew ${fmt.perCall(report.perCall, inBytes(report.kind))} over ${fmt.count(calls)} calls`
  if (report.kind === 'heap') {
    const kept = describeHeapGrowth(report.heapGrowth)
    if (kept) text += `; ${kept}`
    const sites = describeSites(report.allocationSites)
    if (sites) text += `; ${sites}`
    // Nothing names the code: say why, so the fix (a larger budget) is in the message.
    if (!kept && !sites && report.heapGrowth && report.heapGrowth.skipped) text += `; what each call keeps is not shown: ${report.heapGrowth.skipped}`
  }
  if (report.kind === 'listeners' && report.emitter) {
    text += ` (${report.emitter} '${report.eventName}'${report.addSite ? `, added at ${report.addSite}` : ''})`
  }
  return text
}

/** Growth per call of every kind a check measured: `"heap 12.3 B, external 0.0 B, listeners 0.000"`. */
function describePerCallGrowth(perCall) {
  const parts = []
  for (const [key, label] of [['heapBytes', 'heap'], ['externalBytes', 'external'], ['nativeBytes', 'native']]) {
    if (perCall[key] !== undefined) parts.push(`${label} ${perCall[key].toFixed(1)} B`)
  }
  for (const [key, label] of [['listeners', 'listeners'], ['handles', 'handles'], ['objects', 'tracked objects']]) {
    if (perCall[key] !== undefined) parts.push(`${label} ${perCall[key].toFixed(3)}`)
  }
  return parts.join(', ')
}

/**
 * What a test left behind (the Mocha plugin's finding): `"leakguard: the
 * test left 1 'config' listener(s) on EventEmitter (added at a.js:3:5); 1
 * active Timeout handle(s) running"`.
 */
function describeLeftovers(found) {
  const parts = found.map((f) =>
    f.kind === 'listeners' ? `${fmt.count(f.count)} '${f.eventName}' listener(s) on ${f.emitter} (added at ${f.site})` : `${fmt.count(f.count)} active ${f.type} handle(s) running`,
  )
  return `leakguard: the test left ${parts.join('; ')}`
}

/** The sentence of a failed check: `"handle() leaks: heap grew …"`. */
function describeCheckFailure(name, result) {
  return `${name ? `${name}()` : 'The function'} leaks: ${result.reports.map((r) => r.message).join('; ')}`
}

module.exports = {
  NAMED_SHARE,
  describe,
  describeAnalysis,
  describeCheckFailure,
  describeCheckReport,
  describePerCallGrowth,
  describeHeapAnalysis,
  describeHeapAnalysisText,
  describeHeapGrowth,
  describeLeftovers,
  describePath,
  describeSites,
  inBytes,
}
