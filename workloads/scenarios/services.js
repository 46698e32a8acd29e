'use strict'
// HTTP services for the scenario suite, on 127.0.0.1, driven by a bounded
// load generator in a child process (load.js). Each returns { run(): stop }.

const { spawn } = require('node:child_process')
const http = require('node:http')
const path = require('node:path')
const { heapBlock } = require('./workloads')

/** Requests the services of this process have answered (the load ran). */
let served = 0

/** Starts `server` on an ephemeral loopback port and a load generator against it. */
function serve(server, { concurrency = 8, loadMs = 120_000 } = {}) {
  let load = null
  server.on('request', (req, res) => res.on('finish', () => served++))
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address()
    load = spawn(process.execPath, [path.join(__dirname, 'load.js'), String(port), String(concurrency), String(loadMs)], { stdio: 'ignore' })
  })
  return () => {
    if (load) load.kill()
    server.close()
    server.closeAllConnections()
  }
}

/** A response body built per request: garbage the handler makes and drops. */
function page(garbageBytes) {
  const rows = Array.from({ length: Math.max(1, Math.round(garbageBytes / 64)) }, (_, i) => ({ id: i, title: `item ${i}` }))
  return JSON.stringify({ count: rows.length, first: rows[0] })
}

const services = {
  /** node:http; each request keeps `keepBytes` in a module-level array (0: clean). */
  nodeHttp({ keepBytes = 0, garbageBytes = 2048, concurrency, loadMs }) {
    const kept = []
    const server = http.createServer((req, res) => {
      if (keepBytes > 0) kept.push(heapBlock(keepBytes, kept.length))
      res.setHeader('content-type', 'application/json')
      res.end(page(garbageBytes))
    })
    return serve(server, { concurrency, loadMs })
  },

  /** express; each request keeps `keepBytes` in a per-user history Map (0: clean). */
  express({ keepBytes = 0, garbageBytes = 2048, concurrency, loadMs }) {
    const express = require('express')
    const app = express()
    const history = new Map()
    let n = 0
    app.get('/', (req, res) => {
      n++
      if (keepBytes > 0) history.set(`visit-${n}`, { at: n, payload: heapBlock(keepBytes, n) })
      res.json(JSON.parse(page(garbageBytes)))
    })
    return serve(http.createServer(app), { concurrency, loadMs })
  },

  /**
   * express + express-session with its MemoryStore, visited by clients that
   * never send the cookie back: with `leak: true` every request writes to its
   * session, so the store keeps one session per request forever; with
   * `leak: false` anonymous visitors' sessions are only read, never saved.
   */
  expressSession({ leak, garbageBytes = 2048, concurrency, loadMs }) {
    const express = require('express')
    const session = require('express-session')
    const app = express()
    app.use(session({ secret: 'scenario', resave: false, saveUninitialized: false }))
    app.get('/', (req, res) => {
      const views = req.session.views || 0
      if (leak) req.session.views = views + 1
      res.json(JSON.parse(page(garbageBytes)))
    })
    return serve(http.createServer(app), { concurrency, loadMs })
  },
}

module.exports = { services, servedRequests: () => served }
