import type { D1Migration } from "cloudflare:test";
import type { Env as MeshEnv } from "../../src/env.ts";
import type { ServerPorts } from "./servers.ts";

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("../../src/index.ts");
    }
    interface Env extends MeshEnv {
      TEST_MIGRATIONS: D1Migration[];
      TEST_TARGET_PORT: number;
      TEST_SERVERS: ServerPorts;
      REDIS_PASSWORD: string;
      TARGET_API_KEY: string;
      TEST_WEBHOOK_SECRET: string;
      FUZZ_RUNS: string;
      FUZZ_SEED: string;
    }
  }
}
