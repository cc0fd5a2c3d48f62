// Console tests: main-process services in Node, renderer stores/components in happy-dom, and the
// browser e2e tests (Chromium via playwright-core against the built web host). The e2e project
// builds the engine and the console once before it starts.

import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

const MILLION = 'test/e2e/million.e2e.test.ts'

/** Browser tests: one browser and one web host at a time (the machines running these have 2 cores). */
const e2e = {
  environment: 'node' as const,
  pool: 'forks' as const,
  fileParallelism: false,
  globalSetup: ['test/e2e/global-setup.ts'],
  execArgv: ['--openssl-legacy-provider'],
  testTimeout: 180_000,
  hookTimeout: 180_000,
  // UI waits poll the page; a loaded machine can take seconds to repaint.
  expect: { poll: { timeout: 15_000, interval: 50 } },
}

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'console-node',
          include: ['main/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          // s3rver encrypts listing continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
          execArgv: ['--openssl-legacy-provider'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        plugins: [vue()],
        resolve: { alias: { '@renderer': resolve('renderer/src') } },
        test: {
          name: 'console-dom',
          include: ['renderer/**/*.test.ts'],
          environment: 'happy-dom',
        },
      },
      { test: { ...e2e, name: 'e2e', include: ['test/e2e/**/*.test.ts'], exclude: [MILLION] } },
      // The million-key test takes minutes and measures latency: `npm run test:million`.
      { test: { ...e2e, name: 'million', include: [MILLION] } },
    ],
  },
})
