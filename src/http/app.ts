import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { logError } from "../secrets.ts";
import { api } from "./routes/api/index.ts";
import type { AppEnv } from "./middleware.ts";
import { heartbeats } from "../heartbeats/index.ts";
import { requestBounds } from "./bounds.ts";
import { problem } from "./problem.ts";
import { health } from "./routes/health.ts";
import { metrics } from "./routes/metrics.ts";
import { badges } from "./routes/badges.ts";
import { page } from "./routes/page.ts";
import { captureError } from "../sentry/instrument.ts";
import { webhooks } from "../async/index.ts";
import { HistoryUnavailable } from "../storage/unavailable.ts";

/** How long a client should wait before asking D1 again: about the Plane outbox's own retry. */
const HISTORY_RETRY_AFTER_S = 15;

/** The mesh's HTTP face: metrics, JSON API, webhook and heartbeat receivers, health, the status pages and badges. */
export const app = new Hono<AppEnv>();

app.use("*", requestBounds);

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
  if (error instanceof HistoryUnavailable) {
    // An outage, not a defect: logged once per request, not sent to Sentry once per request.
    logError(c.env, `planewatch: ${c.req.method} ${c.req.path}: ${error.message}`);
    c.header("retry-after", String(HISTORY_RETRY_AFTER_S));
    return problem(c, 503, "History unavailable", "The history (D1) cannot be read right now; statuses are still served. Retry later.");
  }
  if (error instanceof HTTPException && error.status < 500) {
    // A refusal Hono's own parts raised (a body that is not the JSON it declares): the client's fault, not ours.
    return problem(c, error.status as ContentfulStatusCode, "Invalid request", error.message);
  }
  logError(c.env, `planewatch: ${c.req.method} ${c.req.path} failed: ${error.stack ?? error.message}`);
  // The API names the plane `:id`, the webhook receiver `:plane`.
  captureError(error, { route: c.req.routePath, plane: c.req.param("id") ?? c.req.param("plane") });
  return problem(c, 500, "Internal error", "The request failed inside planewatch; the error was logged.");
});
