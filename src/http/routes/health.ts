import { Hono } from "hono";
import { latencyBuckets } from "../../config/latency_buckets.ts";
import { loadConfig } from "../../config/load.ts";
import { allSummaryStubs } from "../../objects/stubs.ts";
import { needsPublicUrl } from "../../probes/registry.ts";
import type { AppEnv } from "../middleware.ts";

/** Liveness and readiness of the mesh itself. */
export const health = new Hono<AppEnv>();

health.get("/healthz/livez", (c) => c.text("ok"));

/** Ready when the config and the latency buckets are valid, D1 and the Durable Objects answer, and webhooks have an address. */
health.get("/healthz/readyz", async (c) => {
  const loaded = loadConfig(c.env);
  const config = loaded.ok ? { ok: true, source: loaded.source } : { ok: false, source: loaded.source, problems: loaded.problems };
  const buckets = latencyBuckets(c.env.LATENCY_BUCKETS);
  const latency = buckets.ok ? { ok: true, bounds: buckets.bounds } : { ok: false, problem: buckets.problem };
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
  // Some probes (async inference) give their target a webhook address on this mesh: without PUBLIC_URL they cannot run.
  const callsBack = loaded.ok && loaded.config.planes.some((p) => p.probes.some(needsPublicUrl));
  const webhooks =
    !callsBack || c.env.PUBLIC_URL ? { ok: true } : { ok: false, error: "async probes need PUBLIC_URL, the address webhooks are sent to" };
  const ok = config.ok && latency.ok && d1.ok && durableObjects.ok && webhooks.ok;
  return c.json({ ok, checks: { config, latencyBuckets: latency, d1, durableObjects, webhooks } }, ok ? 200 : 503);
});
