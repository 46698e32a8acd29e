// leakguard/vitest's types, checked by `tsc --strict` with usage.ts: an ES
// module, as Vitest's own types are (they cannot be imported from CommonJS).
import { expect, test } from 'vitest'
import leakguard from 'leakguard'
import { toBeCollected, toLeak, type LeakguardMatchers } from 'leakguard/vitest'

test('leakguard/vitest types', async () => {
  const checked: Promise<void> = expect(() => undefined).not.toLeak({ batches: 4, kinds: ['heap'] })
  await checked
  await expect(leakguard.probe({})).toBeCollected({ attempts: 2 })
  // @ts-expect-error batches is a number
  await expect(() => 1).toLeak({ batches: 'many' })
  // @ts-expect-error toLeak waits for GCs: it is no asymmetric matcher
  expect.toLeak()
})
const matchers: Pick<LeakguardMatchers<Promise<void>>, 'toLeak'> | undefined = undefined
console.log(typeof toLeak, typeof toBeCollected, matchers)
