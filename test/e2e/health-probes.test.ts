/**
 * The health-check kinds as a user runs them: a real `wrangler dev` mesh probing real servers
 * on loopback (Redis, PostgreSQL, a gRPC health server, TCP and an HTTP server whose health
 * flips), with the cron fired once and the Prober objects' alarms doing the rest. Proves the
 * startup gate, the initial delay, a 10 s period running about six times a minute, and push
 * heartbeats end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMesh, type RunningMesh } from "../../scripts/mesh.ts";
import { eventually } from "../support/mesh-client.ts";
import { REDIS_PASSWORD, startServers, type RunningServers } from "../support/servers.ts";

const WORKER_TOKEN = "e2e-worker-token";
/** The startup gate opens this long after the mesh starts, leaving the startup probe a few failing runs. */
const GATED_FOR_MS = 25_000;

let servers: RunningServers;
let mesh: RunningMesh;
let tickedAt: number;

interface HistoryRow {
  region: string;
  probe: string;
  ok: boolean;
  reason: string;
  at: string;
}

function planesConfig(ports: RunningServers["ports"]) {
  const host = "127.0.0.1";
  const deps: Array<Record<string, unknown>> = [
    { kind: "tcp", name: "banner", host, port: ports.tcpBanner, expect: { contains: "ready" } },
    { kind: "tcp", name: "delayed", host, port: ports.tcpBanner, initialDelaySeconds: 20 },
    { kind: "grpc_health", name: "grpc", host, port: ports.grpc, service: "inference" },
    { kind: "grpc_health", name: "grpc-web", transport: "grpc-web", url: `http://${host}:${ports.grpcWeb}`, service: "inference" },
  ];
  if (ports.redis !== null) deps.push({ kind: "redis", host, port: ports.redis });
  if (ports.redisWithPassword !== null)
    deps.push({ kind: "redis", name: "redis-auth", host, port: ports.redisWithPassword, passwordSecret: "REDIS_PASSWORD" });
  if (ports.postgres !== null) deps.push({ kind: "postgres", host, port: ports.postgres });
  return {
    planes: [
      // livez, readyz (every 10 s) and healthz (the startup probe) on the flipping HTTP server.
      // Every run goes to D1 raw: the tests read the probes' cadence from the history.
      {
        id: "kube",
        baseUrl: `http://${host}:${ports.http}`,
        regions: ["wnam"],
        rawPassSeconds: 0,
        probes: [{ kind: "http_tiers", failureThreshold: 1 }],
      },
      { id: "deps", regions: ["wnam", "weur"], probes: deps },
      {
        id: "beats",
        regions: ["wnam"],
        probes: [{ kind: "heartbeat", name: "worker", tokenSecret: "WORKER_TOKEN", periodSeconds: 4, graceSeconds: 1 }],
      },
    ],
  };
}

async function json<T>(path: string): Promise<T> {
  const res = await fetch(`${mesh.url}${path}`);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

async function history(plane: string, query = ""): Promise<HistoryRow[]> {
  return (await json<{ results: HistoryRow[] }>(`/api/v1/planes/${plane}/history?limit=1000${query}`)).results;
}

async function status(plane: string) {
  return json<{
    status: string;
    regions: Record<string, { probes: Record<string, { ok: boolean; reason: string; message: string }> }>;
    transitions: Array<{ to: string; failing: Array<{ region: string; probe: string; reason: string }> }>;
  }>(`/api/v1/planes/${plane}`);
}

/** Waits for `probe` to say yes (anything but undefined or false). */
const until = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs?: number) =>
  eventually(mesh, what, async () => ((await probe()) || undefined) as T | undefined, timeoutMs);

function setHealth(health: Record<string, boolean>) {
  return fetch(`http://127.0.0.1:${servers.ports.control}/http`, { method: "PUT", body: JSON.stringify(health) });
}

function beat(token = WORKER_TOKEN, probe = "worker") {
  return fetch(`${mesh.url}/api/v1/heartbeats/beats/${probe}`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
}

beforeAll(async () => {
  servers = await startServers();
  await setHealth({ started: false });
  mesh = await startMesh({
    vars: { PLANES_CONFIG: JSON.stringify(planesConfig(servers.ports)), REDIS_PASSWORD, WORKER_TOKEN },
  });
  tickedAt = Date.now();
  await mesh.tick();
});

afterAll(async () => {
  await mesh?.stop();
  await servers?.stop();
});

describe("Kubernetes-style probes under wrangler dev", () => {
  let gateOpenedAt: number;

  it("runs only the startup probe until it succeeds, then liveness and readiness", async () => {
    const gated = await until("two failing startup results", async () => {
      const rows = await history("kube");
      return rows.filter((r) => r.probe === "healthz").length >= 2 ? rows : undefined;
    });
    expect(gated.every((r) => r.probe === "healthz" && !r.ok)).toBe(true);
    expect((await status("kube")).status).toBe("FAILED");

    await new Promise((r) => setTimeout(r, Math.max(0, tickedAt + GATED_FOR_MS - Date.now())));
    expect((await history("kube")).filter((r) => r.probe !== "healthz")).toEqual([]);
    await setHealth({ started: true });
    gateOpenedAt = Date.now();
    const opened = await until("liveness and readiness results", async () => {
      const rows = await history("kube");
      return ["livez", "readyz"].every((p) => rows.some((r) => r.probe === p && r.ok)) ? rows : undefined;
    });
    // The startup probe stopped at its first success, as Kubernetes stops it.
    expect(opened.filter((r) => r.probe === "healthz" && r.ok)).toHaveLength(1);
    await until("kube OK", async () => (await status("kube")).status === "OK");
  });

  it("probes TCP, Redis, PostgreSQL and gRPC health from every region through the mesh", async () => {
    const plane = await until("deps OK", async () => {
      const s = await status("deps");
      const complete = Object.values(s.regions).every(
        (r) => Object.keys(r.probes).length === planesConfig(servers.ports).planes[1]!.probes.length,
      );
      return s.status === "OK" && complete ? s : undefined;
    });
    expect(plane.regions.weur!.probes.grpc).toMatchObject({ ok: true, message: 'service "inference" is SERVING' });
    expect(plane.regions.wnam!.probes["grpc-web"]).toMatchObject({ ok: true });
    if (servers.ports.postgres !== null) expect(plane.regions.wnam!.probes.postgres!.message).toMatch(/^accepting connections/);
  });

  it("waits a probe's initial delay before its first run", async () => {
    const rows = await history("deps", "&probe=delayed");
    const first = Math.min(...rows.map((r) => Date.parse(r.at)));
    // Due 20 s after the first alarm; an alarm may run a probe up to 1 s before it is due.
    expect(first).toBeGreaterThanOrEqual(tickedAt + 19_000);
  });

  it("judges push heartbeats: silence fails the plane, a beat with the token passes it", async () => {
    const silent = await until("silence noticed", async () => {
      const s = await status("beats");
      return s.status === "FAILED" ? s : undefined;
    });
    expect(silent.transitions[0]!.failing).toEqual([{ region: "push", probe: "worker", reason: "heartbeat_missed" }]);

    const unknown = await beat(WORKER_TOKEN, "nope");
    expect(unknown.status).toBe(404);
    const refused = await beat("wrong-token");
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(await refused.json()).toMatchObject({ title: "Invalid heartbeat token", status: 401 });
    expect((await status("beats")).status).toBe("FAILED");

    expect((await beat()).status).toBe(202);
    expect((await status("beats")).status).toBe("OK");
    // The Plane object publishes to the scrape's Summary shards on its alarm, a moment after the beat.
    await until("the beat in /metrics", async () =>
      (await (await fetch(`${mesh.url}/metrics`)).text()).includes('probe_success{plane="beats",region="push",probe="worker"} 1'),
    );

    const missed = await until(
      "the next silence noticed",
      async () => {
        const s = await status("beats");
        return s.status === "FAILED" ? s : undefined;
      },
      30_000,
    );
    expect(missed.transitions[0]!.failing[0]!.reason).toBe("heartbeat_missed");
    expect((await beat()).status).toBe(202);
    expect((await status("beats")).status).toBe("OK");
  });

  it("runs a 10 s probe about six times a minute, on the Prober's alarm alone", async () => {
    const from = gateOpenedAt + 5_000;
    const to = from + 60_000;
    // Past the window, plus the Plane object's batching to D1.
    await new Promise((r) => setTimeout(r, Math.max(0, to + 5_000 - Date.now())));
    const runs = await history("kube", `&probe=livez&region=wnam&from=${from}&to=${to}`);
    expect(runs.length).toBeGreaterThanOrEqual(5);
    expect(runs.length).toBeLessThanOrEqual(7);
  });
});
