import { Hono } from "hono";
import { api } from "./outputs/api/index.ts";
import type { AppEnv } from "./outputs/config.ts";
import { problem } from "./outputs/problem.ts";
import { routes } from "./outputs/routes.ts";
import { webhooks } from "./webhooks/route.ts";

/** The mesh's HTTP face: metrics, JSON API, webhook receiver, health and the status page. */
export const app = new Hono<AppEnv>();

app.route("/", api);
app.route("/webhooks", webhooks);
app.route("/", routes);

app.notFound((c) => problem(c, 404, "Not found", `${c.req.method} ${c.req.path} is not an endpoint of planewatch.`));

app.onError((error, c) => {
  console.error(`planewatch: ${c.req.method} ${c.req.path} failed: ${error.stack ?? error.message}`);
  return problem(c, 500, "Internal error", "The request failed inside planewatch; the error was logged.");
});
