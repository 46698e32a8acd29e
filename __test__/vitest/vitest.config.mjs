// Config for the real Vitest runs spawned from __test__/test-runners.test.js.
// The pool comes from the command line (--pool forks or --pool threads).
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = path.dirname(fileURLToPath(import.meta.url))

export default defineConfig({
  // Vitest's results cache stays out of the repository.
  cacheDir: path.join(os.tmpdir(), 'leakguard-vitest-cache'),
  test: {
    root: here,
    // Not *.test.js: node --test __test__/ would run these itself.
    include: ['**/*.vitest.js'],
    setupFiles: [path.join(here, '..', '..', 'vitest.js')],
    testTimeout: 30_000,
    // One file at a time: two leak checks at once on two cores would time each other.
    fileParallelism: false,
  },
})
