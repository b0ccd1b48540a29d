import { defineConfig } from "vitest/config";

// Two projects: pure unit tests beside the code, and integration tests in test/ that
// share one real control plane per run (started by test/global-setup.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{api,audit,gates,images,webhook,operator,cli,console,report,settings}/**/*.test.ts", "examples/**/*.test.ts", "policies/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/global-setup.ts"],
          // One file at a time: some files run whole operators that watch every namespace, and
          // the machine has two cores.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
