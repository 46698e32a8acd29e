module.exports = {
  testMatch: ['**/*.jest.cjs'],
  setupFilesAfterEnv: ['leakguard/jest'],
  testTimeout: 60_000,
}
