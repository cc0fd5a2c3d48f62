import { defineConfig } from 'vitest/config'

// Engine tests speak RESP over real TCP; some start real redis-server processes, so files run in
// separate forks and each test may take a few seconds.
export default defineConfig({
  test: {
    include: ['engine/test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
