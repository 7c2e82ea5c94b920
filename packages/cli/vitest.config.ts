import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Integration tests spawn real CLI processes with worker pools; the machine may be shared.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    reporters: ["default", "json"],
    outputFile: { json: "../../.test-results/latticework.json" },
  },
});
