// Types of the matchers leakguard/jest and leakguard/vitest add (lib/check/matchers.js).
import type { CheckOptions } from '../../index'

/** The matchers leakguard adds. Both are asynchronous: `await` them. */
export interface LeakguardMatchers<R> {
  /** Calls the received function many times; passes if anything grows per call. Use `.not.toLeak()`. */
  toLeak(options?: CheckOptions): R
  /** Passes once the probed object is collected (received: `leakguard.probe(obj)`). */
  toBeCollected(options?: { attempts?: number }): R
}

/** The matcher implementations, for `expect.extend` by hand. */
export declare const toLeak: (this: unknown, received: unknown, options?: CheckOptions) => Promise<{ pass: boolean; message(): string }>
export declare const toBeCollected: (this: unknown, received: unknown, options?: { attempts?: number }) => Promise<{ pass: boolean; message(): string }>
