'use strict'
// A worker thread that leaks on its own heap and watches itself with a guard;
// its reports go to the main thread.
const { parentPort, workerData } = require('node:worker_threads')
const leakguard = require('../..')
const { workloads } = require('./workloads')

const guard = leakguard.start({
  intervalMs: workerData.intervalMs || 250,
  onLeak: (report) => parentPort.postMessage({ kind: report.kind, message: report.message, growthPerMinute: report.growthPerMinute }),
})
workloads.heapLeak({ bytesPerS: workerData.bytesPerS })
parentPort.on('close', () => guard.stop())
