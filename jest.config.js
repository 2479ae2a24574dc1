// ts-jest in native-ESM mode. Without --experimental-vm-modules (set by the
// npm scripts) ts-jest silently falls back to CommonJS and the ESM-only noble/yargs fail to load.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 30000,
  // Counts $TMPDIR before and after the whole run; scripts/test-summary.mjs fails the run on leftovers.
  globalSetup: '<rootDir>/test/global/setup.mjs',
  globalTeardown: '<rootDir>/test/global/teardown.mjs',
};
