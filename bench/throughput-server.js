'use strict'
// An express service for the throughput bench, on 127.0.0.1. Prints its
// port, then serves until killed. Over its IPC channel it takes the variant
// to run next — 'none', 'guard', 'guard-always' or 'guard-no-sites' — stops
// the guard it runs (if any), starts that one, and answers 'ready'.

const http = require('node:http')
const express = require('express')
const leakguard = require('..')

const VARIANTS = {
  none: null,
  guard: {},
  'guard-always': { allocationSites: 'always' },
  'guard-no-sites': { allocationSites: false },
}

let guard = null
process.on('message', (variant) => {
  if (guard) guard.stop()
  guard = VARIANTS[variant] ? leakguard.start(VARIANTS[variant]) : null
  process.send({ ready: variant, forcedGcs: guard ? guard.stats().forcedGcs : 0 })
})

const app = express()
const products = Array.from({ length: 200 }, (_, i) => ({ id: i, name: `product-${i}`, price: i * 1.5, tags: ['a', 'b'] }))
app.get('/products/:id', (req, res) => {
  const id = Number(req.params.id) % products.length
  res.json({ product: products[id], related: products.slice(id, id + 5), at: Date.now() })
})
const server = http.createServer(app).listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
