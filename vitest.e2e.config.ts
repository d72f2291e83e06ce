import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    // expect.poll waits for the app (an edit reaching main, a prompt appearing): a bound on
    // waiting, not a speed target; vitest's 1 s default failed under a loaded 2-core CI machine.
    expect: { poll: { timeout: 30_000 } },
  },
})
