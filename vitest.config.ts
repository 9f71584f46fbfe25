import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Integration tests spawn real processes; two cores do not want many at once.
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
    pool: 'forks',
    // A claims directory for test/helpers/ports.ts, so no two test files get the same port.
    globalSetup: ['test/global-setup.ts'],
    // CI also keeps a JSON report, from which .ci/run prints the closing 'N passed, N failed' line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'vitest-report.json' }]] : ['default'],
  },
});
