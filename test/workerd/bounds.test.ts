import { createExecutionContext, env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { REQUEST_BOUNDS } from "../../src/http/bounds.ts";
import worker from "../../src/index.ts";
import { planeStub } from "../../src/objects/stubs.ts";
import { rowsWrittenBy } from "../support/rows.ts";

const fetchMesh = (path: string, init?: RequestInit) => exports.default.fetch(`http://mesh${path}`, init);

/** A body that arrives in chunks with no Content-Length: only counting the bytes finds its size. */
function chunked(chunks: number, chunkBytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ === chunks) controller.close();
      else controller.enqueue(new Uint8Array(chunkBytes).fill(120));
    },
  });
}

async function problemOf(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as Record<string, unknown>;
}

/** A mesh whose one plane has a heartbeat probe, its token in HEARTBEAT_TOKEN. */
const heartbeatEnv = {
  ...env,
  HEARTBEAT_TOKEN: "beat-token",
  PLANES_CONFIG: JSON.stringify({
    planes: [{ id: "beats", regions: ["wnam"], probes: [{ kind: "heartbeat", name: "worker", tokenSecret: "HEARTBEAT_TOKEN" }] }],
  }),
};
const beat = (init: Omit<RequestInit, "cf">) =>
  worker.fetch(
    new Request("http://mesh/api/v1/heartbeats/beats/worker", { method: "POST", ...init }),
    heartbeatEnv,
    createExecutionContext(),
  );

describe("request bounds", () => {
  it("refuses a URL over 16 KiB with 414", async () => {
    const body = await problemOf(await fetchMesh(`/api/v1/status?x=${"a".repeat(REQUEST_BOUNDS.urlLength)}`), 414);
    expect(body).toMatchObject({ bound: "urlLength", limit: 16_384 });
  });

  it("refuses headers over 32 KiB with 431", async () => {
    const headers = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`x-filler-${i}`, "h".repeat(4000)]));
    expect(await problemOf(await fetchMesh("/healthz/livez", { headers }), 431)).toMatchObject({ bound: "headerBytes", limit: 32_768 });
  });

  it("refuses a POST body over 16 KiB, declared or counted while it streams, and stores nothing", async () => {
    const plane = planeStub(env, "beats");
    const auth = { authorization: "Bearer beat-token" };
    const written = await rowsWrittenBy(plane, async () => {
      const declared = await beat({ headers: auth, body: "x".repeat(REQUEST_BOUNDS.bodyBytes + 1) });
      expect(await problemOf(declared, 413)).toMatchObject({ bound: "bodyBytes", limit: 16_384 });
      // No Content-Length: 64 chunks of 1 KiB, refused once the 17th arrives.
      const streamed = await beat({ headers: auth, body: chunked(64, 1024), duplex: "half" } as RequestInit);
      expect(await problemOf(streamed, 413)).toMatchObject({ bound: "bodyBytes" });
    });
    expect(written).toBe(0);
    // Under the bound, a beat is taken, body or not.
    expect((await beat({ headers: auth, body: "{}" })).status).toBe(202);
    expect((await beat({ headers: auth })).status).toBe(202);
  });

  it("leaves the webhook receiver its own, larger bound", async () => {
    // 20 KiB: over the general bound, within the webhook's; the receiver reads it and the token decides.
    const res = await fetchMesh("/webhooks/async/async-a/forged.token", { method: "POST", body: "x".repeat(20 * 1024) });
    expect(await problemOf(res, 401)).toMatchObject({ outcome: "bad_token" });
    const huge = await fetchMesh("/webhooks/async/async-a/forged.token", { method: "POST", body: "x".repeat(300 * 1024) });
    expect(await problemOf(huge, 413)).toMatchObject({ outcome: "too_large" });
  });
});

describe("history and transitions parameters", () => {
  const invalid = async (path: string, parameter: string) => {
    const body = await problemOf(await fetchMesh(path), 400);
    expect(body.problems, path).toEqual([expect.objectContaining({ parameter })]);
  };

  it("refuses malformed and out-of-range times, limits and cursors with 400", async () => {
    await invalid("/api/v1/planes/good/history?from=99999999999999999999", "from");
    await invalid("/api/v1/planes/good/history?to=253402300800000", "to");
    await invalid("/api/v1/transitions?from=yesterday", "from");
    await invalid("/api/v1/transitions?to=0000-01-01T00:00:00Z", "to");
    await invalid("/api/v1/planes/good/history?limit=0", "limit");
    await invalid("/api/v1/planes/good/history?limit=1001", "limit");
    await invalid("/api/v1/planes/good/history?limit=1.5", "limit");
    await invalid(`/api/v1/planes/good/transitions?cursor=${"A".repeat(513)}`, "cursor");
    await invalid("/api/v1/planes/good/transitions?cursor=bm90LWEta2V5", "cursor");
    await invalid(`/api/v1/transitions?plane=${"p".repeat(201)}`, "plane");
  });

  it("refuses a range that is backwards or too long, so no query scans without end", async () => {
    const now = Date.now();
    await invalid(`/api/v1/planes/good/history?from=${now}&to=${now - 1}`, "from");
    await invalid(`/api/v1/planes/good/history?from=${now - 32 * 86_400_000}&to=${now}`, "from");
    await invalid("/api/v1/planes/good/history?from=0", "from");
    await invalid(`/api/v1/transitions?from=${now - 401 * 86_400_000}`, "from");
    expect((await fetchMesh(`/api/v1/planes/good/history?from=${now - 31 * 86_400_000}&to=${now}`)).status).toBe(200);
    expect((await fetchMesh(`/api/v1/transitions?from=${now - 399 * 86_400_000}`)).status).toBe(200);
    expect((await fetchMesh("/api/v1/transitions?to=0")).status).toBe(200);
  });
});

describe("event streams", () => {
  const stream = (vars: Record<string, string>, signal?: AbortSignal) =>
    worker.fetch(new Request("http://mesh/api/v1/events", { signal }), { ...env, ...vars }, createExecutionContext());

  it("ends a stream at EVENTS_STREAM_SECONDS, so the client reconnects", async () => {
    const res = await stream({ EVENTS_STREAM_SECONDS: "1" });
    expect(res.status).toBe(200);
    // The body ends by itself: reading it to the end returns.
    const text = await res.text();
    expect(text).toMatch(/^event: status\n/);
    expect(text).toContain("retry: 3000");
  });

  it("serves EVENTS_MAX_STREAMS streams at once, and a 503 with Retry-After past that", async () => {
    const vars = { EVENTS_MAX_STREAMS: "2", EVENTS_STREAM_SECONDS: "2" };
    const open = [await stream(vars), await stream(vars)];
    expect(open.map((r) => r.status)).toEqual([200, 200]);
    const refused = await stream(vars);
    expect(await problemOf(refused, 503)).toMatchObject({ bound: "EVENTS_MAX_STREAMS", limit: 2 });
    expect(refused.headers.get("retry-after")).toBe("3");
    // Once the open streams end, their slots are free again.
    await Promise.all(open.map((r) => r.text()));
    const again = await stream(vars);
    expect(again.status).toBe(200);
    await again.text();
  });
});
