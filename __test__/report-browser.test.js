'use strict'
// The HTML report of a real leaking HTTP service (an express session store
// that keeps every session), written by `leakguard run`, opened in a real
// headless Chromium: no console errors, no network requests, the heap
// timeline with its points and report marker, and the leak card naming the
// allocating function and the Map that holds the sessions. A page fed
// markup through the heap's and the log's strings runs none of it.

const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { after, before, test } = require('node:test')
const puppeteer = require('puppeteer-core')
const { runNode } = require('../scripts/spawn')
const { documentFromLog } = require('../lib/report/document')
const { renderHtml } = require('../lib/report/html')

const CLI = path.join(__dirname, '..', 'bin', 'leakguard.js')
const SERVICE = path.join(__dirname, 'fixtures', 'report', 'session-service.js')
/** Screenshots go here, for CI to keep; never into the repository. */
const ARTIFACTS = process.env.LEAKGUARD_ARTIFACTS_DIR || path.join(os.tmpdir(), 'leakguard-artifacts')

function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim()
    } catch {}
  }
  throw new Error('no Chromium on PATH: .ci/run installs Debian\'s chromium package (apt-get install chromium)')
}

let browser
before(async () => {
  browser = await puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
})
after(async () => {
  if (browser) await browser.close()
})

/** Opens `file`, recording console errors, page errors and every request but the page itself. */
async function open(file) {
  const page = await browser.newPage()
  const problems = []
  const requests = []
  const url = `file://${file}`
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url())
  })
  await page.setViewport({ width: 1200, height: 900 })
  await page.goto(url, { waitUntil: 'load' })
  return { page, problems, requests }
}

test('the report of an express session-store leak, in a real browser', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-browser-'))
  const out = path.join(dir, 'leak-report.html')
  const run = await runNode([CLI, 'run', '--out', out, '--', process.execPath, SERVICE], {
    cwd: dir,
    env: { LEAKGUARD_INTERVAL_MS: '100', LEAKGUARD_SNAPSHOT_DIR: dir, LEAKGUARD_SNAPSHOT_COMPARE_AFTER_MS: '2000' },
    timeoutMs: 150_000,
  })
  assert.equal(run.code, 0, run.stderr)
  // The load ran: the service counts the requests it served.
  const served = Number((/requests: (\d+)/.exec(run.stdout) || [])[1])
  assert.ok(served > 1000, `requests served: ${run.stdout}`)
  assert.match(run.stderr, /1 leak found; report: /)

  const { page, problems, requests } = await open(out)
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: path.join(ARTIFACTS, 'report-session-leak.png'), fullPage: true })
  const seen = await page.evaluate(() => {
    const heap = document.querySelector('[data-chart="heap"]')
    const card = document.querySelector('[data-leak="heap"]')
    return {
      headline: document.querySelector('[data-headline]').textContent,
      points: Number(heap.querySelector('path[data-series="heap"]').dataset.points),
      reportMarkers: heap.querySelectorAll('[data-marker="report"]').length,
      trend: heap.querySelectorAll('[data-marker="trend"]').length,
      card: card ? card.innerText : '',
      topSite: card ? card.querySelector('table td.mono').textContent : '',
      holder: card && card.querySelector('[data-holder]') ? card.querySelector('[data-holder]').innerText : '',
      icicle: Boolean(card && card.querySelector('[data-chart="icicle"] rect')),
      scripts: [...document.scripts].map((s) => s.type),
      csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]').content,
    }
  })
  await page.close()
  assert.deepEqual(problems, [])
  assert.deepEqual(requests, [])
  assert.equal(seen.headline, 'leakguard: 1 leak found')
  assert.ok(seen.points > 50, `heap points: ${seen.points}`)
  assert.ok(seen.reportMarkers >= 1 && seen.trend >= 1, JSON.stringify(seen))
  assert.ok(seen.icicle, 'the allocation stacks are drawn')
  assert.deepEqual(seen.scripts, ['application/json'], 'the only script element is inert data')
  assert.match(seen.csp, /^default-src 'none'/)
  // The card names the function that allocates the sessions (V8 would inline
  // it into the handler: leakguard holds inlining off while it samples a
  // suspicion), and the Map that holds them.
  // Code V8 optimized before the suspicion keeps its inlining: then the
  // analysis says plainly that the top site may be an inlining caller.
  if (seen.topSite !== 'createSession') assert.match(seen.card, /may be a caller V8 inlined createSession \(\S+session-store\.js:\d+:\d+\) into/)
  assert.match(seen.holder.replace(/\s*←\s*/g, ' ← '), /^held by \([\d,]+ new Object\)\s+Object \[\] ← Map 'sessions' ← \(closure\) createSession/)
  assert.match(seen.card, /V8 heap grows/)
})

test('markup in heap and log strings shows as text and runs nothing', async () => {
  const evil = `</script><img src=x onerror="document.title='pwned'"><b>bold</b>`
  const lines = [
    { code: 'LEAKGUARD_START', pid: 1, hostname: evil, threadId: 0, context: { node: evil, startedAt: 1_790_000_000_000, heapLimit: 4e9, options: { log: evil } } },
    { code: 'LEAKGUARD_TIMELINE', pid: 1, hostname: evil, threadId: 0, timeline: { t0: 1_790_000_000_000, dt: [0, 1000, 2000], heap: [1e6, 2e6, 3e6], external: [1, 1, 1], native: [1, 1, 1], listeners: [0, 200, 400], events: [{ at: 1_790_000_002_000, type: 'report', kind: 'listeners', severity: evil }] } },
    {
      code: 'LEAKGUARD_LEAK',
      pid: 1,
      hostname: evil,
      threadId: 0,
      report: {
        kind: 'listeners',
        identity: `listeners:${evil}`,
        severity: 'high',
        message: `Emitter '${evil}' grows`,
        growthPerMinute: 12000,
        current: 400,
        detectedAt: 1_790_000_002_000,
        emitter: evil,
        eventName: evil,
        addSites: [{ site: evil, count: 3, frames: [evil] }],
        trend: { startAt: 1_790_000_000_000, startValue: 0, endAt: 1_790_000_002_000, endValue: 400 },
      },
    },
    { code: 'LEAKGUARD_ANALYSIS', pid: 1, hostname: evil, threadId: 0, report: { kind: 'listeners', identity: `listeners:${evil}` }, analysis: { classes: [{ name: evil, newObjects: { count: 1, retainedSize: 1 }, retainerPaths: [{ count: 1, steps: [{ class: evil, edgeKind: 'property', edgeName: evil }, { class: 'Map', edgeKind: 'element', edgeName: '' }] }] }] } },
  ].map((l) => JSON.stringify(l))
  lines.push(`${evil} not a log line`)
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-xss-')), 'evil.html')
  fs.writeFileSync(file, renderHtml(documentFromLog(lines.join('\n'), { source: evil })))
  const { page, problems, requests } = await open(file)
  const seen = await page.evaluate(() => ({
    title: document.title,
    images: document.images.length,
    text: document.body.innerText,
  }))
  await page.close()
  assert.deepEqual(problems, [])
  assert.deepEqual(requests, [], 'no request of any kind (the <img src=x> never became an element)')
  assert.equal(seen.images, 0)
  assert.notEqual(seen.title, 'pwned')
  assert.ok(seen.text.includes(evil), 'the markup shows as text')
  assert.match(seen.text, /1 line was skipped/)
})
