import { defineConfig } from "vitest/config";
import base from "./vitest.config";

// The multi-instance tests (test/cluster): `next start` instances of the production build, so they
// run after `next build` in `npm test`, one file at a time, with time for the instances to boot.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/cluster/**/*.cluster.test.ts"],
    exclude: ["node_modules/**"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
