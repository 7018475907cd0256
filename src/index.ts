import { app } from "./http/app.ts";
import type { Env } from "./env.ts";
import { logError } from "./secrets.ts";
import { Dispatcher as DispatcherObject } from "./objects/dispatcher.ts";
import { Plane as PlaneObject } from "./objects/plane.ts";
import { Prober as ProberObject } from "./objects/prober.ts";
import { Summary as SummaryObject } from "./objects/summary.ts";
import { runScheduled } from "./scheduler/cron.ts";
import { withCronMonitor } from "./sentry/cron-monitor.ts";
import { instrumented, instrumentedObject } from "./sentry/instrument.ts";

// Every entry point of every Durable Object reports its errors to Sentry, tagged from the object's name.
export const Dispatcher = instrumentedObject("Dispatcher", DispatcherObject, { dispatch: true }, (name) => ({ range: name }));
export const Plane = instrumentedObject(
  "Plane",
  PlaneObject,
  {
    report: true,
    openAsync: true,
    webhook: true,
    heartbeat: true,
    watchHeartbeats: true,
    detail: true,
    setMaintenance: true,
    endMaintenance: true,
    alarm: true,
  },
  (name) => ({ plane: name }),
);
export const Prober = instrumentedObject("Prober", ProberObject, { tick: true, alarm: true }, (name) => {
  const [plane, region] = name.split("/");
  return { plane, region };
});
export const Summary = instrumentedObject("Summary", SummaryObject, { put: true, ping: true, list: true, exposition: true }, (name) => ({
  shard: name,
}));

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    const scope = { env, waitUntil: (promise: Promise<unknown>) => ctx.waitUntil(promise) };
    await instrumented({ ...scope, entryPoint: "scheduled", tags: { cron: controller.cron } }, () =>
      withCronMonitor(scope, controller.cron, async () => {
        try {
          console.log(`planewatch: ${await runScheduled(controller.cron, env)}`);
        } catch (error) {
          logError(env, `planewatch: cron failed: ${error instanceof Error ? error.message : String(error)}`);
          throw error;
        }
      }),
    );
  },
} satisfies ExportedHandler<Env>;
