// Types for `leakguard/register`: `node -r leakguard/register app.js`.
import type { Guard } from './index'

/** The guard the preload started. */
declare const guard: Guard
export = guard
