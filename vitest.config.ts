import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": fileURLToPath(new URL(".", import.meta.url)),
      // Next resolves server-only to an empty module for server code; tests are server code too.
      "server-only": fileURLToPath(new URL("node_modules/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    include: ["{lib,app,dev,product,scripts,test,packages}/**/*.test.ts", "proxy.test.ts"],
    // test/cluster needs the production build: `npm test` runs it after the build (vitest.cluster.config.ts).
    exclude: ["node_modules/**", "e2e/**", ".next/**", "**/*.cluster.test.ts"],
    // Refusals are logged at info; keep test output to what failed.
    // (`npm test` sets LOG_LEVEL=info and keeps the lines in a file for its log scan.)
    env: {
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      // No reporter runs behind the tests' backs after metered calls; the tests of the trigger turn
      // it on themselves.
      USAGE_REPORT_INTERVAL_SECONDS: "0",
    },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
