// Types for `leakguard/vitest` in an ES module under moduleResolution
// node16/nodenext: vitest.d.ts's, with the augmentation made where 'vitest'
// resolves to the ES module types that Vitest's `expect` comes from.
import type { LeakguardMatchers } from './lib/check/matchers.js'

export type { LeakguardMatchers } from './lib/check/matchers.js'
export { toBeCollected, toLeak } from './lib/check/matchers.js'

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
