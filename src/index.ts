import * as Sentry from "@sentry/cloudflare";
import { app } from "./http/app.ts";
import type { Env } from "./env.ts";
import { logError } from "./secrets.ts";
import { Dispatcher as DispatcherObject } from "./objects/dispatcher.ts";
import { Plane as PlaneObject } from "./objects/plane.ts";
import { Prober as ProberObject } from "./objects/prober.ts";
import { Summary as SummaryObject } from "./objects/summary.ts";
import { runScheduled } from "./scheduler/cron.ts";
import { sentryOptions } from "./sentry/client.ts";
import { withCronMonitor } from "./sentry/cron-monitor.ts";
import { instrumentedObject, tagInvocation } from "./sentry/instrument.ts";

// Every entry point of every Durable Object reports what it throws to Sentry, tagged from the
// object's name.
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

// The SDK wraps fetch and scheduled: a client per invocation, uncaught errors captured and
// rethrown, and a bounded flush in waitUntil, so a slow Sentry never holds the answer or the tick.
const handler: Required<Pick<ExportedHandler<Env>, "fetch" | "scheduled">> = {
  fetch(request, env, ctx) {
    tagInvocation("fetch");
    return app.fetch(request, env, ctx);
  },
  async scheduled(controller, env) {
    tagInvocation("scheduled", { cron: controller.cron });
    await withCronMonitor(controller.cron, async () => {
      try {
        console.log(`planewatch: ${await runScheduled(controller.cron, env)}`);
      } catch (error) {
        logError(env, `planewatch: cron failed: ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      }
    });
  },
};
export default Sentry.withSentry(sentryOptions, handler);
