// Types for `leakguard/mocha`: `mocha --require leakguard/mocha`.

/** Root hooks Mocha registers: each test is watched from `beforeEach` to `afterEach`. */
export declare const mochaHooks: {
  beforeEach(this: unknown): Promise<void>
  afterEach(this: { test: { error(error: Error): void } }): Promise<void>
}
