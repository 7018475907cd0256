import { Hono, type Context } from "hono";
import { latencyBuckets } from "../../config/latency_buckets.ts";
import { loadConfig } from "../../config/load.ts";
import { allSummaryStubs } from "../../objects/stubs.ts";
import { needsPublicUrl } from "../../probes/registry.ts";
import { requireBearer } from "../auth.ts";
import { collectPlanes, collectRendered } from "../../render/view.ts";
import type { AppEnv } from "../middleware.ts";
import { renderScrape, scrapeFamilies } from "../../render/metrics.ts";
import { STATUS_PAGE } from "../../render/page.ts";
import { problem } from "../problem.ts";
import { acceptsGzip, CONTENT_TYPES, negotiateFormat, renderChunks, selectSamples, streamChunks } from "../../render/prometheus.ts";
import { parseSelector, type Matcher } from "../../render/selector.ts";

export const routes = new Hono<AppEnv>();

/**
 * A scrape, in the format the scraper negotiated: one read per Summary shard, no D1, whatever
 * the number of planes. With selectors, only the series matching one of them.
 */
async function scrape(c: Context<AppEnv>, selectors: Matcher[][] | null): Promise<Response> {
  const loaded = loadConfig(c.env);
  const format = negotiateFormat(c.req.header("accept"));
  const now = Date.now();
  let chunks: Iterator<string>;
  if (selectors === null) {
    // The shards keep each plane's lines: the scrape joins them.
    chunks = renderScrape(loaded.ok ? await collectRendered(c.env, loaded.config, now) : null, format);
  } else {
    const families = scrapeFamilies(loaded.ok ? await collectPlanes(c.env, loaded.config, now) : null);
    chunks = renderChunks(selectSamples(families, selectors), format);
  }
  // The runtime compresses a body whose response names a Content-Encoding.
  const headers: Record<string, string> = { "content-type": CONTENT_TYPES[format], vary: "Accept, Accept-Encoding" };
  if (acceptsGzip(c.req.header("accept-encoding"))) headers["content-encoding"] = "gzip";
  return c.body(streamChunks(chunks), 200, headers);
}

routes.use("/metrics", requireBearer("METRICS_TOKEN"));
routes.use("/federate", requireBearer("METRICS_TOKEN"));

/** The full metric set. */
routes.get("/metrics", (c) => scrape(c, null));

/** Federation: the series matching any `match[]` selector. */
routes.get("/federate", (c) => {
  const texts = c.req.queries("match[]") ?? [];
  if (texts.length === 0) {
    return problem(c, 400, "Missing selector", 'Give at least one series selector, e.g. /federate?match[]=workload_plane_health_status or match[]={plane="x"}.');
  }
  const parsed = texts.map((text) => ({ text, result: parseSelector(text) }));
  const problems = parsed.flatMap(({ text, result }) => (result.ok ? [] : [{ selector: text, message: result.error }]));
  if (problems.length > 0) {
    return problem(c, 400, "Invalid selector", problems.map((p) => `match[]=${p.selector}: ${p.message}`).join("; "), { problems });
  }
  return scrape(c, parsed.flatMap(({ result }) => (result.ok ? [result.matchers] : [])));
});

routes.get("/healthz/livez", (c) => c.text("ok"));

/** Ready when the config and the latency buckets are valid, D1 and the Durable Objects answer, and webhooks have an address. */
routes.get("/healthz/readyz", async (c) => {
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
  const webhooks = !callsBack || c.env.PUBLIC_URL ? { ok: true } : { ok: false, error: "async probes need PUBLIC_URL, the address webhooks are sent to" };
  const ok = config.ok && latency.ok && d1.ok && durableObjects.ok && webhooks.ok;
  return c.json({ ok, checks: { config, latencyBuckets: latency, d1, durableObjects, webhooks } }, ok ? 200 : 503);
});

routes.get("/", (c) => c.html(STATUS_PAGE));
