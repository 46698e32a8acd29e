'use strict'
// An express service for the throughput bench, on 127.0.0.1, with or
// without a guard: `node throughput-server.js none|guard|guard-no-sites`.
// Prints its port, then serves until killed.

const http = require('node:http')
const express = require('express')

const variant = process.argv[2]
if (variant === 'guard') require('..').start()
if (variant === 'guard-no-sites') require('..').start({ allocationSites: false })

const app = express()
const products = Array.from({ length: 200 }, (_, i) => ({ id: i, name: `product-${i}`, price: i * 1.5, tags: ['a', 'b'] }))
app.get('/products/:id', (req, res) => {
  const id = Number(req.params.id) % products.length
  res.json({ product: products[id], related: products.slice(id, id + 5), at: Date.now() })
})
const server = http.createServer(app).listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
