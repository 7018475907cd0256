import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { testPlanesConfig } from "./test/support/config.ts";
import { REDIS_PASSWORD } from "./test/support/servers.ts";
import { TARGET_API_KEY, TEST_WEBHOOK_SECRET } from "./test/support/target.ts";

export default defineConfig({
  test: {
    projects: [
      {
        // Unit tests and integration tests inside workerd, with real D1 and Durable Objects.
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations("migrations"),
                TEST_TARGET_PORT: inject("targetPort"),
                TEST_SERVERS: inject("servers"),
                REDIS_PASSWORD,
                PLANES_CONFIG: JSON.stringify(testPlanesConfig(inject("targetPort"))),
                TARGET_API_KEY,
                TEST_WEBHOOK_SECRET,
                PUBLIC_URL: "http://mesh.test",
                SENTRY_DSN: inject("sentryDsn"),
                SENTRY_ENVIRONMENT: "workerd-test",
                // The fuzz suite's runs per property and seed: fixed and few under `npm test`, more under `npm run fuzz`.
                FUZZ_RUNS: process.env.FUZZ_RUNS ?? "",
                FUZZ_SEED: process.env.FUZZ_SEED ?? "",
              },
            },
          })),
        ],
        test: {
          name: "workers",
          // Generous: the machines are small and shared; no test asserts speed.
          testTimeout: 30_000,
          include: ["test/unit/**/*.test.ts", "test/workerd/**/*.test.ts", "test/fuzz/**/*.test.ts"],
          globalSetup: ["test/support/global-target.ts", "test/support/global-servers.ts"],
          setupFiles: ["test/support/apply-migrations.ts"],
        },
      },
      {
        // End to end: real `wrangler dev` processes, Prometheus, Chromium, all on loopback.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
