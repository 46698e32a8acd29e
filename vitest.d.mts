// Types for `leakguard/vitest` in an ES module under moduleResolution
// node16/nodenext: vitest.d.ts's, with the augmentation made where 'vitest'
// resolves to the ES module types that Vitest's `expect` comes from.
import type { LeakguardMatchers } from './lib/matchers.js'

export type { LeakguardMatchers } from './lib/matchers.js'
export { toBeCollected, toLeak } from './lib/matchers.js'

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-unused-vars
  interface Assertion<T = any> extends LeakguardMatchers<Promise<void>> {}
}
