import type { D1Migration } from "cloudflare:test";
import type { Env as MeshEnv } from "../../src/env.ts";

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("../../src/index.ts");
    }
    interface Env extends MeshEnv {
      TEST_MIGRATIONS: D1Migration[];
      TEST_TARGET_PORT: number;
      TARGET_API_KEY: string;
      TEST_WEBHOOK_SECRET: string;
    }
  }
}
