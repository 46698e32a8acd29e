'use strict'
// Two heap snapshots of a process leaking Orders into a Map held by a
// closure, written by the installed package; prints their paths as JSON.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const leakguard = require('leakguard')

class Order {
  constructor(id) {
    this.id = id
  }
}
function makeShop() {
  const orders = new Map()
  return {
    place(id) {
      orders.set(id, new Order(id))
    },
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-pair-'))
const shop = makeShop()
const guard = leakguard.start({ log: 'off' })
for (let i = 0; i < 100; i++) shop.place(i)
const base = guard.captureHeapSnapshot({ dir }).path
for (let i = 100; i < 400; i++) shop.place(i)
const target = guard.captureHeapSnapshot({ dir }).path
guard.stop()
console.log(JSON.stringify([base, target]))
