// Types for `leakguard/jest` (setupFilesAfterEnv: ['leakguard/jest']): the
// matchers on Jest's global `expect` and on `expect` from '@jest/globals'.
import type { LeakguardMatchers } from './lib/check/matchers'

export type { LeakguardMatchers } from './lib/check/matchers'
export { toBeCollected, toLeak } from './lib/check/matchers'

declare global {
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-interface
    interface Matchers<R> extends LeakguardMatchers<R> {}
  }
}

declare module 'expect' {
  // eslint-disable-next-line @typescript-eslint/no-empty-interface
  interface Matchers<R extends void | Promise<void>, T = unknown> extends LeakguardMatchers<R> {}
}
