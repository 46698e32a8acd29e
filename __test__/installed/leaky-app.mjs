// The same leaking service as an ES module, for `node --import leakguard/register`.
const kept = []
setInterval(() => {
  for (let i = 0; i < 100; i++) kept.push({ i, text: `item-${kept.length}-${'x'.repeat(100)}` })
}, 20)
setTimeout(() => process.exit(3), 90_000)
