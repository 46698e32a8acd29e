// Types for `leakguard/register`: `node -r leakguard/register app.js` or
// `node --import leakguard/register app.mjs`, configured by LEAKGUARD_*
// environment variables.
import type { Guard } from './index'

/** The guard the preload started; null in a worker thread without LEAKGUARD_WORKERS=true. */
declare const guard: Guard | null
export = guard
