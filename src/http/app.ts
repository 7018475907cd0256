import { Hono } from "hono";
import { logError } from "../secrets.ts";
import { api } from "./routes/api/index.ts";
import type { AppEnv } from "./middleware.ts";
import { heartbeats } from "../heartbeats/index.ts";
import { problem } from "./problem.ts";
import { health } from "./routes/health.ts";
import { metrics } from "./routes/metrics.ts";
import { badges } from "./routes/badges.ts";
import { page } from "./routes/page.ts";
import { captureError } from "../sentry/instrument.ts";
import { webhooks } from "../async/index.ts";

/** The mesh's HTTP face: metrics, JSON API, webhook and heartbeat receivers, health, the status pages and badges. */
export const app = new Hono<AppEnv>();

// Before the read API: heartbeats carry their own token, not the API's read token.
app.route("/api/v1/heartbeats", heartbeats);
app.route("/", api);
app.route("/webhooks", webhooks);
app.route("/", metrics);
app.route("/", health);
app.route("/", page);
app.route("/", badges);

app.notFound((c) => problem(c, 404, "Not found", `${c.req.method} ${c.req.path} is not an endpoint of planewatch.`));

app.onError((error, c) => {
  logError(c.env, `planewatch: ${c.req.method} ${c.req.path} failed: ${error.stack ?? error.message}`);
  captureError(
    {
      env: c.env,
      waitUntil: (promise) => c.executionCtx.waitUntil(promise),
      request: c.req.raw,
      entryPoint: "fetch",
      // The API names the plane `:id`, the webhook receiver `:plane`.
      tags: { route: c.req.routePath, plane: c.req.param("id") ?? c.req.param("plane") },
    },
    error,
  );
  return problem(c, 500, "Internal error", "The request failed inside planewatch; the error was logged.");
});
