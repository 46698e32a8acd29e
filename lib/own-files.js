'use strict'
// leakguard's own files: frames in them are never an application's site (an
// allocation site, a listener's add site, an object's creation site) and
// retainer paths that reach them have reached the check itself.

const path = require('node:path')

const ROOT = path.join(__dirname, '..')
/** lib/, with a trailing separator. */
const LIB_DIR = __dirname + path.sep
/** The package's entry points and generated loader. */
const ENTRY_POINTS = ['index.js', 'register.js', 'jest.js', 'vitest.js', 'mocha.js', 'binding.js'].map((f) => path.join(ROOT, f))
/** Every path prefix of leakguard's own code. */
const OWN_FILES = Object.freeze([LIB_DIR, ...ENTRY_POINTS])

/** Whether `file` (a path or `file:line:column`) is leakguard's own. */
function isOwnFile(file) {
  return OWN_FILES.some((prefix) => file.startsWith(prefix))
}

module.exports = { LIB_DIR, OWN_FILES, isOwnFile }
