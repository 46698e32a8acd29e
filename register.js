'use strict'
// `node -r leakguard/register app.js`, `node --import leakguard/register
// app.mjs`, or either in NODE_OPTIONS: starts a guard from LEAKGUARD_*
// environment variables (lib/guard/env-options.js; README lists them all). A bad
// value, or a LEAKGUARD_* name that is not known, stops start-up with a coded
// error naming it. Worker threads get a guard only with LEAKGUARD_WORKERS=true;
// child processes that inherit NODE_OPTIONS get their own. The module's
// export is the guard, or null in a worker thread that gets none.

const { isMainThread } = require('node:worker_threads')
const { start } = require('./index')
const { readEnvOptions } = require('./lib/guard/env-options')

const { options, workers } = readEnvOptions()
module.exports = isMainThread || workers ? start(options) : null
