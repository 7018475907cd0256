/**
 * Webhook matching, measured against a real `wrangler dev`: how many webhooks one Plane object
 * matches per second, and the latency from webhook receipt to status update.
 *
 * A fake platform on loopback accepts async submissions and reports every request SUCCEEDED,
 * polled at the probe's default interval; the mesh probes `rounds` planes, each from all nine regions with `probesPerRegion` async
 * probes, so one cron tick opens rounds × 9 × probesPerRegion requests. Once the mesh has seen
 * them complete, the benchmark delivers half of each plane's webhooks (signed, `concurrency` at
 * a time) through the receiver, timing every delivery: the receiver answers only after the Plane
 * object has matched the webhook and settled the request, so a delivery's round trip bounds
 * receipt → status update. Locally that receiver, this client and every object share one workerd
 * thread and one machine; on Cloudflare receivers run in isolates of their own, and a plane's
 * webhooks meet only in its Plane object. The other half goes straight to the Plane object, by
 * RPC as the receiver hands it on (bench/metered.ts), which times that object's own pace.
 */
import { createHmac, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PlaneWebhooks } from "./metered.ts";
import { startMeteredMesh } from "./metered_mesh.ts";
import { percentile, spread, type Spread } from "./stats.ts";

export interface WebhookBenchOptions {
  rounds: number;
  probesPerRegion: number;
  concurrency: number;
}

export interface WebhookBenchResult {
  webhooksPerPlane: number;
  /** Through the receiver, each client, receiver and object on one local thread. */
  matchedPerSecond: Spread;
  /** Straight to the Plane object, by RPC from a Worker. */
  planeObjectPerSecond: Spread;
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

/** A signed webhook body for the submission, as the platform sends it. */
function signed(s: Submission): { body: string; signature: string } {
  const body = JSON.stringify({
    request_id: s.requestId,
    type: "async_request_completed",
    time: new Date().toISOString(),
    data: { ok: true },
    errors: [],
  });
  return { body, signature: `v1=${createHmac("sha256", SECRET).update(body).digest("hex")}` };
}

async function deliver(s: Submission): Promise<{ ms: number; outcome: string }> {
  const { body, signature } = signed(s);
  const started = performance.now();
  const res = await fetch(s.endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", "x-baseten-signature": signature },
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
    })),
  }));
  const persistDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "planewatch-webhooks-"));
  const mesh = await startMeteredMesh(persistDir, { PLANES_CONFIG: JSON.stringify({ planes }), WEBHOOK_SECRET: SECRET });
  try {
    const expected = options.rounds * REGIONS.length * options.probesPerRegion;
    await mesh.fire("* * * * *");
    const deadline = Date.now() + 120_000;
    while (submissions.length < expected || (await pendingCount(mesh.url)) < expected) {
      if (Date.now() > deadline) throw new Error(`only ${submissions.length} of ${expected} submissions arrived`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // Let every request's status be polled once, so each webhook settles its request.
    await new Promise((r) => setTimeout(r, 3_000));
    const rates: number[] = [];
    const planeRates: number[] = [];
    const p50: number[] = [];
    const p99: number[] = [];
    for (const plane of planes) {
      const queue = submissions.filter((s) => s.plane === plane.id);
      const direct = queue.splice(0, queue.length / 2);
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
      rates.push(latencies.length / ((performance.now() - started) / 1000));
      p50.push(percentile(latencies, 50));
      p99.push(percentile(latencies, 99));
      planeRates.push(await deliverToPlane(mesh.url, direct, options.concurrency));
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
      planeObjectPerSecond: spread(planeRates),
      latencyP50Ms: spread(p50),
      latencyP99Ms: spread(p99),
    };
  } finally {
    await mesh.stop();
    rmSync(persistDir, { recursive: true, force: true });
    platform.server.close();
    platform.server.closeAllConnections();
  }
}

/** Webhooks handed straight to their Plane object (bench/metered.ts); answers how many it matched a second. */
async function deliverToPlane(meshUrl: string, submissions: Submission[], concurrency: number): Promise<number> {
  const webhooks: PlaneWebhooks["webhooks"] = submissions.map((s) => {
    const { body, signature } = signed(s);
    return { plane: s.plane, token: s.endpoint.split("/").pop()!, delivery: { body, signature, requestIdHeader: null } };
  });
  const started = performance.now();
  const res = await fetch(`${meshUrl}/__plane-webhooks`, {
    method: "POST",
    body: JSON.stringify({ concurrency, webhooks } satisfies PlaneWebhooks),
  });
  const seconds = (performance.now() - started) / 1000;
  const outcomes = (await res.json()) as string[];
  const unmatched = outcomes.find((o) => o !== "matched");
  if (unmatched !== undefined) throw new Error(`a webhook straight to the Plane object: ${unmatched}`);
  return outcomes.length / seconds;
}

if (import.meta.main) {
  const quick = process.argv.includes("--quick");
  const result = await benchWebhooks({ rounds: quick ? 3 : 5, probesPerRegion: 40, concurrency: 16 });
  console.log(JSON.stringify(result, null, 2));
}
