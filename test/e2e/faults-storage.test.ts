/**
 * Storage faults end to end, on a real `wrangler dev` mesh and its persisted state: the mesh
 * killed (SIGKILL) in the middle of rounds, with async requests pending and D1 batches queued,
 * then restarted on the same files; and the real local D1 made unavailable while the mesh runs.
 * What was acknowledged is counted in the SQLite files themselves (test/support/persisted.ts).
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startMesh, type RunningMesh } from "../../scripts/mesh.ts";
import { eventually, planeStatuses, type PlaneJson } from "../support/mesh-client.ts";
import { d1Query, d1ResultKeys, lockD1, objectsQuery, outboxResultKeys, resultKey } from "../support/persisted.ts";

/** Short periods keep the file quick; the steady plane's status follows its target at once. */
const STEADY_PERIOD_S = 2;
/** Async requests stay pending this long (the simulator's late webhook), so the kill finds some. */
const WEBHOOK_LATE_MS = 8_000;
/**
 * How long D1 stays locked. The issue speaks of minutes; what the outage exercises is every
 * Plane's flush failing and being retried (every 15 s) while statuses change, which 20 s covers
 * with one retry, and CI pays for each second of it.
 */
const D1_OUTAGE_MS = 20_000;
const API_KEY = "faults-key";
const WEBHOOK_SECRET = "faults-webhook-secret";

let mesh: RunningMesh;
let target: Server;
/** What the steady plane's target answers: the test flips it to make statuses change. */
let targetFailing = false;
/** When the steady plane's target was probed, from any region. */
const probedAt: number[] = [];

const until = <T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs?: number) =>
  eventually(mesh, what, check, timeoutMs);

/** The steady plane fresh from its own object (the status list lags it by up to a publish interval). */
async function steadyResults(): Promise<{ status: string; at: Record<string, number> }> {
  const steady = (await (await fetch(`${mesh.url}/api/v1/planes/steady`)).json()) as PlaneJson;
  const at = Object.fromEntries(Object.entries(steady.regions).map(([region, r]) => [region, Date.parse(r.probes.up?.at ?? "0")]));
  return { status: steady.status, at };
}

/** Async requests the Plane objects hold, keyed as the history will key their verdicts. */
function pendingAsync(): string[] {
  return objectsQuery<{ region: string; probe: string; submitted_at: number }>(
    mesh.persistDir,
    "Plane",
    "async_pending",
    "SELECT region, probe, submitted_at FROM async_pending",
  ).map((r) => resultKey({ plane: "async", at: r.submitted_at, region: r.region, probe: r.probe }));
}

/** Keys of `keys` not in D1 yet. */
function missingFromD1(keys: Iterable<string>): string[] {
  const stored = d1ResultKeys(mesh.persistDir);
  return [...keys].filter((k) => !stored.has(k));
}

beforeAll(async () => {
  target = createServer((_req, res) => {
    probedAt.push(Date.now());
    res.writeHead(targetFailing ? 503 : 200).end(targetFailing ? "down" : "up");
  });
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", () => r()));
  const targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}`;
  const simulatorPort = await freePort();
  const simulator = `http://127.0.0.1:${simulatorPort}`;
  const planes = [
    {
      id: "steady",
      regions: ["weur", "apac"],
      // Every run goes to D1 raw: the test follows each acknowledged result to D1.
      rawPassSeconds: 0,
      probes: [{ kind: "http", name: "up", url: `${targetUrl}/up`, periodSeconds: STEADY_PERIOD_S, failureThreshold: 1 }],
    },
    {
      id: "async",
      baseUrl: `${simulator}/planes/async`,
      rawPassSeconds: 0,
      apiKeySecret: "API_KEY",
      webhookSecret: "WEBHOOK_SECRET",
      regions: ["weur"],
      probes: [
        {
          kind: "async_predict",
          input: { text: "ping" },
          expect: { output: { status: "ok", echo: { text: "ping" } } },
          periodSeconds: 3,
          deadlineSeconds: 30,
          pollIntervalSeconds: 1,
        },
      ],
    },
  ];
  mesh = await startMesh({
    simulatorPort,
    vars: { PLANES_CONFIG: JSON.stringify({ planes }), API_KEY, WEBHOOK_SECRET },
    simulatorVars: {
      SIM_API_KEY: API_KEY,
      SIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SIM_FAULTS: JSON.stringify({ async: { webhook: "late", lateMs: WEBHOOK_LATE_MS } }),
    },
  });
  await mesh.tick();
});

afterAll(async () => {
  await mesh?.stop();
  target?.close();
});

describe("the mesh killed mid-round", () => {
  it("keeps every acknowledged result, judges every pending async request and serves the statuses at once", async () => {
    await until("results in D1, both planes judged and async requests pending", async () => {
      const steady = await steadyResults();
      const judged = (await planeStatuses(mesh)).async?.status === "OK";
      const ready = steady.status === "OK" && judged && d1ResultKeys(mesh.persistDir).size > 0 && pendingAsync().length > 0;
      return ready ? true : undefined;
    });
    // D1 refuses for a moment, so the kill also finds history queued in the outboxes.
    const lock = await lockD1(mesh.persistDir);
    let queued: Set<string>;
    let pending: string[];
    let stored: Set<string>;
    let reported: string[];
    try {
      await until("history queued in an outbox", () => (outboxResultKeys(mesh.persistDir).size > 0 ? true : undefined));
      // What the mesh acknowledged through its API just before the kill.
      const before = await steadyResults();
      reported = Object.entries(before.at).map(([region, at]) => resultKey({ plane: "steady", at, region, probe: "up" }));
      await mesh.crash();
      stored = d1ResultKeys(mesh.persistDir);
      queued = outboxResultKeys(mesh.persistDir);
      pending = pendingAsync();
    } finally {
      lock.release();
    }
    expect(queued.size).toBeGreaterThan(0);
    expect(pending.length).toBeGreaterThan(0);
    expect(reported.filter((k) => !stored.has(k) && !queued.has(k))).toEqual([]);

    await mesh.restart();
    const restartedAt = Date.now();
    // The statuses are served at once, from the objects' persisted state.
    const served = await planeStatuses(mesh);
    expect(served.steady!.status).toBe("OK");
    expect(served.async!.status).toBe("OK");
    // No cron tick: the Probers' own alarms resume the rounds; both regions probe again.
    const resumed = await until("both regions probing again", () => {
      const after = probedAt.filter((t) => t > restartedAt);
      return after.length >= 2 ? after[1]! - restartedAt : undefined;
    });
    console.info(`rounds resumed ${resumed} ms after the restart (period ${STEADY_PERIOD_S} s)`);

    const acknowledged = new Set([...stored, ...queued]);
    await until("every acknowledged result and every pending verdict in D1", () =>
      missingFromD1([...acknowledged, ...pending]).length === 0 ? true : undefined,
    );
    const verdicts = d1Query<{ reason: string }>(
      mesh.persistDir,
      `SELECT reason FROM results WHERE plane = 'async' AND at IN (${pending.map(() => "?").join(",")})`,
      ...pending.map((k) => Number(k.split("|")[1])),
    );
    expect(verdicts.length).toBe(pending.length);
    expect(verdicts.every((v) => v.reason !== "submitted")).toBe(true);
    expect(pendingAsync().filter((k) => pending.includes(k))).toEqual([]);
    const judged = verdicts.map((v) => v.reason).join(", ");
    console.info(
      `kill: ${stored.size} results in D1, ${queued.size} queued in outboxes, ${pending.length} async requests pending, judged ${judged}`,
    );
  });
});

describe("D1 unavailable", () => {
  it("serves changing statuses, answers history 503 and completes the history once D1 is back", async () => {
    const lockedAt = Date.now();
    const lock = await lockD1(mesh.persistDir);
    let queued: Set<string>;
    try {
      targetFailing = true;
      await until("steady FAILED while D1 is locked", async () => ((await steadyResults()).status === "FAILED" ? true : undefined));
      for (const path of [
        "/api/v1/planes/steady/history",
        "/api/v1/planes/steady/transitions",
        "/api/v1/transitions",
        "/api/v1/planes/steady/uptime",
      ]) {
        const res = await fetch(`${mesh.url}${path}`);
        expect(res.status, path).toBe(503);
        expect(res.headers.get("content-type")).toContain("application/problem+json");
        expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
        expect(((await res.json()) as { title: string }).title).toBe("History unavailable");
      }
      targetFailing = false;
      await until("steady OK again while D1 is locked", async () => ((await steadyResults()).status === "OK" ? true : undefined));
      // Every Plane's flush met the locked database, not a wrapper: the mesh logged the refusal.
      await until("a refused D1 write", () => (mesh.logs().includes("writing history to D1 failed") ? true : undefined));
      await new Promise((r) => setTimeout(r, Math.max(0, lockedAt + D1_OUTAGE_MS - Date.now())));
      queued = outboxResultKeys(mesh.persistDir);
    } finally {
      lock.release();
    }
    expect(queued.size).toBeGreaterThan(0);
    await until("the outage's history in D1", () => (missingFromD1(queued).length === 0 ? true : undefined));
    const transitions = await until("both transitions in D1", () => {
      const rows = d1Query<{ from_status: string; to_status: string }>(
        mesh.persistDir,
        "SELECT from_status, to_status FROM transitions WHERE plane = 'steady' AND at >= ? ORDER BY at",
        lockedAt,
      );
      return rows.length >= 2 ? rows : undefined;
    });
    expect(transitions.map((t) => `${t.from_status}>${t.to_status}`)).toEqual(["OK>FAILED", "FAILED>OK"]);
    const history = await fetch(`${mesh.url}/api/v1/planes/steady/history`);
    expect(history.status).toBe(200);
  });
});
