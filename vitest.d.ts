// Types for `leakguard/vitest` (test.setupFiles: ['leakguard/vitest']): the
// matchers on Vitest's `expect`, imported from 'vitest' or global with
// `globals: true`. vitest.d.mts is the same for ES modules under
// moduleResolution node16/nodenext, where 'vitest' resolves to other files.
import type { LeakguardMatchers } from './lib/check/matchers'

export type { LeakguardMatchers } from './lib/check/matchers'
export { toBeCollected, toLeak } from './lib/check/matchers'

// On `expect(value)` only, not on Vitest's `Matchers` (which would also offer
// them as asymmetric matchers, `expect.toLeak()`): an asymmetric matcher is
// synchronous, and these wait for GCs.
declare module 'vitest' {
  // Members of its own, not `extends LeakguardMatchers<Promise<void>>`: they
  // win over what leakguard/jest's types put on the global `jest.Matchers`
  // (which Vitest's Assertion extends with void results).
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface Assertion<T = any> {
    toLeak: LeakguardMatchers<Promise<void>>['toLeak']
    toBeCollected: LeakguardMatchers<Promise<void>>['toBeCollected']
  }
}
