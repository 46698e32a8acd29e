'use strict'
// Under a preload: what `leakguard/register` exports in this (main) thread and in a worker thread.
const { Worker } = require('node:worker_threads')
const main = require('leakguard/register')
const worker = new Worker(`const g = require('leakguard/register'); require('node:worker_threads').parentPort.postMessage(g === null ? null : typeof g.stats); if (g) g.stop()`, { eval: true })
worker.once('message', (inWorker) => {
  console.log(JSON.stringify({ main: main === null ? null : typeof main.stats, worker: inWorker }))
  if (main) main.stop()
})
