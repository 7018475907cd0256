/**
 * Webhook matching, measured against a real `wrangler dev`: how many webhooks one Plane object
 * matches per second, and the latency from webhook receipt to status update.
 *
 * A fake platform on loopback accepts async submissions and reports every request SUCCEEDED;
 * the mesh probes `rounds` planes, each from all nine regions with `probesPerRegion` async
 * probes, so one cron tick opens rounds × 9 × probesPerRegion requests. Once the mesh has seen
 * them complete, the benchmark delivers each plane's webhooks (signed, `concurrency` at a time)
 * and times every delivery: the receiver answers only after the Plane object has matched the
 * webhook and settled the request, so a delivery's round trip bounds receipt → status update.
 */
import { createHmac, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { freePort, startMesh } from "../scripts/mesh.ts";
import { percentile, spread, type Spread } from "./stats.ts";

export interface WebhookBenchOptions {
  rounds: number;
  probesPerRegion: number;
  concurrency: number;
}

export interface WebhookBenchResult {
  webhooksPerPlane: number;
  matchedPerSecond: Spread;
  latencyP50Ms: Spread;
  latencyP99Ms: Spread;
}

const REGIONS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"];
const SECRET = "bench-webhook-secret";

interface Submission {
  plane: string;
  requestId: string;
  endpoint: string;
}

/** The fake platform: takes submissions, and says every request is done. */
function fakePlatform(submissions: Submission[]): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const [, plane, action, id] = req.url?.split("/") ?? [];
    if (req.method === "POST" && action === "async_predict") {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const requestId = randomUUID();
        submissions.push({ plane: plane!, requestId, endpoint: (JSON.parse(body) as { webhook_endpoint: string }).webhook_endpoint });
        res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ request_id: requestId }));
      });
      return;
    }
    if (req.method === "GET" && action === "async_request") {
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ request_id: id, status: "SUCCEEDED", webhook_status: "SUCCEEDED" }));
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port })),
  );
}

async function deliver(s: Submission): Promise<{ ms: number; outcome: string }> {
  const body = JSON.stringify({
    request_id: s.requestId,
    type: "async_request_completed",
    time: new Date().toISOString(),
    data: { ok: true },
    errors: [],
  });
  const started = performance.now();
  const res = await fetch(s.endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", "x-baseten-signature": `v1=${createHmac("sha256", SECRET).update(body).digest("hex")}` },
    body,
  });
  const { outcome } = (await res.json()) as { outcome: string };
  return { ms: performance.now() - started, outcome };
}

async function pendingCount(meshUrl: string): Promise<number> {
  const text = await (await fetch(`${meshUrl}/metrics`)).text();
  return [...text.matchAll(/^planewatch_async_pending\{plane="[^"]+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

export async function benchWebhooks(options: WebhookBenchOptions): Promise<WebhookBenchResult> {
  const submissions: Submission[] = [];
  const platform = await fakePlatform(submissions);
  const planes = Array.from({ length: options.rounds }, (_, r) => ({
    id: `bench-${r}`,
    baseUrl: `http://127.0.0.1:${platform.port}/bench-${r}`,
    webhookSecret: "WEBHOOK_SECRET",
    regions: REGIONS,
    probes: Array.from({ length: options.probesPerRegion }, (_, i) => ({
      kind: "async_predict",
      name: `async-${i}`,
      input: { i },
      periodSeconds: 3600,
      deadlineSeconds: 600,
      pollIntervalSeconds: 0.5,
    })),
  }));
  const mesh = await startMesh({
    port: await freePort(),
    vars: { PLANES_CONFIG: JSON.stringify({ planes }), WEBHOOK_SECRET: SECRET },
  });
  try {
    const expected = options.rounds * REGIONS.length * options.probesPerRegion;
    await mesh.tick();
    const deadline = Date.now() + 120_000;
    while (submissions.length < expected || (await pendingCount(mesh.url)) < expected) {
      if (Date.now() > deadline) throw new Error(`only ${submissions.length} of ${expected} submissions arrived`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // Let every request's status be polled once, so each webhook settles its request.
    await new Promise((r) => setTimeout(r, 3_000));
    const rates: number[] = [];
    const p50: number[] = [];
    const p99: number[] = [];
    for (const plane of planes) {
      const queue = submissions.filter((s) => s.plane === plane.id);
      const latencies: number[] = [];
      const started = performance.now();
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          for (let s = queue.pop(); s; s = queue.pop()) {
            const { ms, outcome } = await deliver(s);
            if (outcome !== "matched") throw new Error(`webhook ${s.requestId}: ${outcome}`);
            latencies.push(ms);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      rates.push(latencies.length / seconds);
      p50.push(percentile(latencies, 50));
      p99.push(percentile(latencies, 99));
    }
    // The Summary shows what the Plane objects settled within a second or so.
    const settleBy = Date.now() + 30_000;
    while ((await pendingCount(mesh.url)) !== 0) {
      if (Date.now() > settleBy) throw new Error("some requests did not settle");
      await new Promise((r) => setTimeout(r, 250));
    }
    return {
      webhooksPerPlane: REGIONS.length * options.probesPerRegion,
      matchedPerSecond: spread(rates),
      latencyP50Ms: spread(p50),
      latencyP99Ms: spread(p99),
    };
  } finally {
    await mesh.stop();
    platform.server.close();
    platform.server.closeAllConnections();
  }
}

if (import.meta.main) {
  const quick = process.argv.includes("--quick");
  const result = await benchWebhooks({ rounds: quick ? 3 : 5, probesPerRegion: quick ? 20 : 40, concurrency: 16 });
  console.log(JSON.stringify(result, null, 2));
}
