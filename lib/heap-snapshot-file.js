'use strict'
// Every heap snapshot leakguard writes goes through here. V8 keeps a table
// of object ids after a snapshot (ids stay stable between snapshots) and
// malloc grows by it once per snapshot: that growth is counted as
// leakguard's own, so the native-memory detector never reports it.

const fs = require('node:fs')
const v8 = require('node:v8')
const { addOwnNativeBytes, nativeBytes } = require('./native')

/** Writes a heap snapshot to `file` with mode 0600; returns its path. */
function writeHeapSnapshotFile(file) {
  const before = nativeBytes()
  const written = v8.writeHeapSnapshot(file)
  const after = nativeBytes()
  if (Number.isFinite(before) && Number.isFinite(after)) addOwnNativeBytes(after - before)
  fs.chmodSync(written, 0o600)
  return written
}

module.exports = { writeHeapSnapshotFile }
