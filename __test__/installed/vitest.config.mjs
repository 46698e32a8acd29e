import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['**/*.vitest.mjs'],
    setupFiles: ['leakguard/vitest'],
    testTimeout: 60_000,
  },
})
