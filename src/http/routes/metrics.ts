import { Hono, type Context } from "hono";
import { loadConfig } from "../../config/load.ts";
import { requireBearer } from "../auth.ts";
import { collectPlanes, collectRendered } from "../collect.ts";
import type { AppEnv } from "../middleware.ts";
import { renderScrape, scrapeFamilies } from "../../render/metrics.ts";
import { problem } from "../problem.ts";
import { acceptsGzip, CONTENT_TYPES, negotiateFormat, renderChunks, selectSamples, streamChunks } from "../../render/prometheus.ts";
import { parseSelectors, type Matcher } from "../../render/selector.ts";

/** The Prometheus face: the full scrape and federation. */
export const metrics = new Hono<AppEnv>();

/**
 * The Accept-Encoding the scraper itself sent. In front of the Worker, Cloudflare (and wrangler
 * dev locally) rewrites the header to codings of its own, "gzip" among them, even for a client
 * that sent none; `cf.clientAcceptEncoding` keeps the client's ("" for none). A request without
 * it (a test calling the app directly) has only the header.
 */
function scraperAcceptEncoding(c: Context<AppEnv>): string | undefined {
  const sent = (c.req.raw.cf as IncomingRequestCfProperties | undefined)?.clientAcceptEncoding;
  return typeof sent === "string" ? sent : c.req.header("accept-encoding");
}

function* prepend(first: string, rest: Iterator<string>): Iterator<string> {
  yield first;
  for (let next = rest.next(); !next.done; next = rest.next()) yield next.value;
}

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
  const headers: Record<string, string> = { "content-type": CONTENT_TYPES[format], vary: "Accept, Accept-Encoding" };
  // An empty exposition (a selector that matched nothing) has no body at all: the runtime would
  // end an empty compressed stream without gzip's trailer, which no scraper can read.
  let first = chunks.next();
  while (!first.done && first.value === "") first = chunks.next();
  if (first.done) return new Response(null, { status: 200, headers });
  // The runtime compresses a body whose response names a Content-Encoding.
  if (acceptsGzip(scraperAcceptEncoding(c))) headers["content-encoding"] = "gzip";
  return c.body(streamChunks(prepend(first.value, chunks)), 200, headers);
}

metrics.use("/metrics", requireBearer("METRICS_TOKEN"));
metrics.use("/federate", requireBearer("METRICS_TOKEN"));

/** The full metric set. */
metrics.get("/metrics", (c) => scrape(c, null));

const QUOTED_CHARS = 200;

function quoted(selector: string): string {
  return selector.length > QUOTED_CHARS ? `${selector.slice(0, QUOTED_CHARS)}…` : selector;
}

/** Federation: the series matching any `match[]` selector. */
metrics.get("/federate", (c) => {
  const texts = c.req.queries("match[]") ?? [];
  if (texts.length === 0) {
    return problem(
      c,
      400,
      "Missing selector",
      'Give at least one series selector, e.g. /federate?match[]=workload_plane_health_status or match[]={plane="x"}.',
    );
  }
  const parsed = parseSelectors(texts);
  if (parsed.ok) return scrape(c, parsed.selectors);
  // A refused selector is quoted back, cut short: the answer stays small whatever was sent.
  const problems = parsed.problems.map((p) => ({ ...p, selector: quoted(p.selector) }));
  const detail = problems.map((p) => `match[]=${p.selector}: ${p.message}`).join("; ");
  if (parsed.bound) {
    return problem(c, 400, "Selector bound exceeded", detail, { bound: parsed.bound.name, limit: parsed.bound.limit, problems });
  }
  return problem(c, 400, "Invalid selector", detail, { problems });
});
