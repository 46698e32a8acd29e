'use strict'
// The one draw behind leakguard's own timing: samples and forced GC pairs
// come at random gaps, so that none lines up with a timer of the
// application's (a cache cleared every 990 ms, read every 250 ms at fixed
// moments, looks like a ramp that rises for minutes).

/** A gap drawn at random from 0.5–1.5 × `meanMs` (`meanMs` on average); `random` returns [0, 1). */
function randomGap(meanMs, random = Math.random) {
  return meanMs * (0.5 + random())
}

module.exports = { randomGap }
