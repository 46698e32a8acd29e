'use strict'
// A service that leaks and knows nothing of leakguard: a module-level array
// grows by about 1 MB/s. It runs until killed (at most 90 s).
const kept = []
setInterval(() => {
  for (let i = 0; i < 100; i++) kept.push({ i, text: `item-${kept.length}-${'x'.repeat(100)}` })
}, 20)
setTimeout(() => process.exit(3), 90_000)
