// Types for `leakguard/jest` (setupFilesAfterEnv: ['leakguard/jest']).
import type { CheckOptions } from './index'

declare global {
  namespace jest {
    interface Matchers<R> {
      /** Calls the received function many times; passes if anything grows per call. Use `.not.toLeak()`. */
      toLeak(options?: CheckOptions): Promise<R>
      /** Passes once the probed object is collected (received: `leakguard.probe(obj)`). */
      toBeCollected(options?: { attempts?: number }): Promise<R>
    }
  }
}

export {}
