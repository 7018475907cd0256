import { Hono } from "hono";
import { loadConfig } from "../config/load.ts";
import { allSummaryStubs } from "../objects/stubs.ts";
import { collectPlanes } from "./collect.ts";
import type { AppEnv } from "./config.ts";
import { configFamily, planeFamilies } from "./metrics.ts";
import { STATUS_PAGE } from "./page.ts";
import { PROMETHEUS_TEXT, renderText } from "./prometheus.ts";

export const routes = new Hono<AppEnv>();

/** The full metric set for a Prometheus scrape: one read per Summary shard. */
routes.get("/metrics", async (c) => {
  const loaded = loadConfig(c.env);
  const families = [configFamily(loaded.ok)];
  if (loaded.ok) families.push(...planeFamilies(await collectPlanes(c.env, loaded.config, Date.now())));
  return c.body(renderText(families), 200, { "content-type": PROMETHEUS_TEXT });
});

routes.get("/healthz/livez", (c) => c.text("ok"));

/** Ready when the config is valid, D1 and the Durable Objects answer, and webhooks have an address. */
routes.get("/healthz/readyz", async (c) => {
  const loaded = loadConfig(c.env);
  const config = loaded.ok ? { ok: true, source: loaded.source } : { ok: false, source: loaded.source, problems: loaded.problems };
  const check = async (probe: () => Promise<unknown>) => {
    try {
      await probe();
      return { ok: true };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  };
  const [d1, durableObjects] = await Promise.all([
    check(() => c.env.DB.prepare("SELECT 1 FROM results LIMIT 1").all()),
    check(() => Promise.all(allSummaryStubs(c.env).map((s) => s.ping()))),
  ]);
  // Async probes give the platform a webhook address on this mesh: without PUBLIC_URL they cannot run.
  const asyncProbes = loaded.ok && loaded.config.planes.some((p) => p.probes.some((probe) => probe.kind === "async_predict"));
  const webhooks = !asyncProbes || c.env.PUBLIC_URL ? { ok: true } : { ok: false, error: "async probes need PUBLIC_URL, the address webhooks are sent to" };
  const ok = config.ok && d1.ok && durableObjects.ok && webhooks.ok;
  return c.json({ ok, checks: { config, d1, durableObjects, webhooks } }, ok ? 200 : 503);
});

routes.get("/", (c) => c.html(STATUS_PAGE));
