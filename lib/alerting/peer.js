'use strict'
// Optional peer dependencies (prom-client, @opentelemetry/api), loaded only
// by the feature that needs them, from the application's own node_modules.

const { codedError } = require('../errors')

/** `require(name)`, or ERR_LEAKGUARD_PEER_MISSING naming `caller` and the install command. */
function requirePeer(name, caller) {
  try {
    return require(name)
  } catch (error) {
    throw codedError('ERR_LEAKGUARD_PEER_MISSING', `${caller} needs the optional peer dependency '${name}': npm install ${name}`, { cause: error })
  }
}

module.exports = { requirePeer }
