// Vitest runs the node tests (real @codemirror/collab peers against the real server) and the
// browser tests (Playwright + Debian's Chromium) in one process, one file at a time.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ["**/*.test.ts"],
    globalSetup: ["./global-setup.ts"],
    fileParallelism: false,
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
