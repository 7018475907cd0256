import { app } from "./app.ts";
import type { Env } from "./env.ts";
import { runScheduled } from "./scheduler/cron.ts";

export { Dispatcher } from "./objects/dispatcher.ts";
export { Plane } from "./objects/plane.ts";
export { Prober } from "./objects/prober.ts";
export { Summary } from "./objects/summary.ts";

export default {
  fetch: app.fetch,
  async scheduled(controller, env) {
    try {
      console.log(`planewatch: ${await runScheduled(controller.cron, env)}`);
    } catch (error) {
      console.error(`planewatch: cron failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  },
} satisfies ExportedHandler<Env>;
