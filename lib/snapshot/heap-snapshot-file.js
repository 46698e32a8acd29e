'use strict'
// Every heap snapshot (and allocation profile) leakguard writes goes through here. V8 keeps a table
// of object ids after a snapshot (ids stay stable between snapshots) and
// malloc grows by it once per snapshot: that growth is counted as
// leakguard's own, so the native-memory detector never reports it.

const fs = require('node:fs')
const v8 = require('node:v8')
const { addOwnNativeBytes, nativeBytes } = require('../native')

/** Writes a heap snapshot to `file` with mode 0600; returns its path. */
function writeHeapSnapshotFile(file) {
  const before = nativeBytes()
  const written = v8.writeHeapSnapshot(file)
  const after = nativeBytes()
  if (Number.isFinite(before) && Number.isFinite(after)) addOwnNativeBytes(after - before)
  fs.chmodSync(written, 0o600)
  return written
}

/** Writes `text` into a new file `name` in `dir`, mode 0600 (never over an existing file); returns its path. */
function writePrivateFile(dir, name, text) {
  const file = require('node:path').join(dir, name)
  fs.writeFileSync(file, text, { mode: 0o600, flag: 'wx' })
  return file
}

module.exports = { writeHeapSnapshotFile, writePrivateFile }
