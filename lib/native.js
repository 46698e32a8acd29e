'use strict'
// The addon, through the loader `napi build` generates (binding.js).
module.exports = require('../binding.js')
