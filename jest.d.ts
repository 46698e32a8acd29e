// Types for `leakguard/jest` (setupFilesAfterEnv: ['leakguard/jest']): the
// matchers on Jest's global `expect` and on `expect` from '@jest/globals'.
import type { CheckOptions } from './index'

/** The matchers leakguard adds. */
export interface LeakguardMatchers<R> {
  /** Calls the received function many times; passes if anything grows per call. Use `.not.toLeak()`. */
  toLeak(options?: CheckOptions): Promise<R>
  /** Passes once the probed object is collected (received: `leakguard.probe(obj)`). */
  toBeCollected(options?: { attempts?: number }): Promise<R>
}

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

/** The matcher implementations, for `expect.extend` by hand. */
export declare const toLeak: (this: unknown, received: unknown, options?: CheckOptions) => Promise<{ pass: boolean; message(): string }>
export declare const toBeCollected: (this: unknown, received: unknown, options?: { attempts?: number }) => Promise<{ pass: boolean; message(): string }>
