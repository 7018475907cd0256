/**
 * Sentry as on-call sees it, through a real `wrangler dev`: SENTRY_DSN points at a local
 * stand-in (test/support/sentry-sink.ts) that parses every envelope by the spec. Probes run
 * every 2 s so transitions come within seconds.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startMesh, type RunningMesh } from "../../scripts/mesh.ts";
import { CRON_MONITOR_SLUG } from "../../src/sentry/cron-monitor.ts";
import { RUNBOOK } from "../../src/status/runbook.ts";
import { checkInsIn, eventsIn, type ReceivedEvent } from "../support/envelope.ts";
import { startSentrySink, type SentrySink } from "../support/sentry-sink.ts";
import { TRACEPARENT_PATTERN } from "../../src/probes/wire/trace.ts";
import { eventually, planeStatuses } from "../support/mesh-client.ts";

/** Every secret the test's planes use, set to known values: none may reach an envelope. */
const SECRETS = { DEMO_API_KEY: "e2e-demo-key-5f3a9c1b7d", DEMO_PROBE_TOKEN: "e2e-probe-token-8e2d4a6c" };
const RELEASE = "planewatch@e2e";
const BROKEN_CONFIG_ENVIRONMENT = "e2e-broken-config";
const PERIOD_S = 2;

let sink: SentrySink;
let reflecting: Server;
/** The mesh watching the simulator's planes. */
let mesh: RunningMesh;
/** A mesh whose config is invalid: its cron fails, as a real misconfigured deployment's would. */
let misconfigured: RunningMesh;

/** A plane behind a gateway that puts the request's Authorization header in its answer. */
function startReflectingPlane(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.method === "POST")
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ seen: req.headers.authorization }));
    else res.writeHead(200).end("ok");
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port })),
  );
}

function planesConfig(simulator: string, reflectingUrl: string) {
  const probes = [
    {
      kind: "sync_predict",
      input: { text: "ping" },
      expect: { json: { status: "ok", echo: { text: "ping" } } },
      periodSeconds: PERIOD_S,
      timeoutSeconds: 5,
    },
    {
      kind: "http",
      name: "readyz",
      url: "/healthz/readyz",
      headers: { "x-probe-token": { secret: "DEMO_PROBE_TOKEN" } },
      periodSeconds: PERIOD_S,
      timeoutSeconds: 5,
    },
  ];
  const plane = (id: string, baseUrl: string, regions: string[]) => ({ id, baseUrl, apiKeySecret: "DEMO_API_KEY", regions, probes });
  return {
    planes: [
      plane("healthy", `${simulator}/planes/healthy`, ["wnam", "weur"]),
      plane("failing", `${simulator}/planes/failing`, ["wnam", "weur"]),
      plane("leaky", reflectingUrl, ["wnam"]),
    ],
  };
}

const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined) => eventually(mesh, what, probe);
const planes = () => planeStatuses(mesh);

async function statusOf(plane: string): Promise<string | undefined> {
  return (await planes())[plane]?.status;
}

function setFaults(plane: string, faults: Record<string, unknown>) {
  return fetch(`${mesh.simulatorUrl}/planes/${plane}/faults`, { method: "PUT", body: JSON.stringify(faults) });
}

const events = () => eventsIn(sink.received());
const alertsOf = (plane: string, status: string) => events().filter((e) => e.fingerprint?.join() === `planewatch,${plane},${status}`);
const accepted = (found: ReceivedEvent[]) => found.filter((e) => e.accepted);

beforeAll(async () => {
  sink = await startSentrySink();
  const target = await startReflectingPlane();
  reflecting = target.server;
  const simulatorPort = await freePort();
  const sentryVars = { SENTRY_DSN: sink.dsn, ...SECRETS };
  [mesh, misconfigured] = await Promise.all([
    startMesh({
      simulatorPort,
      vars: {
        ...sentryVars,
        SENTRY_RELEASE: RELEASE,
        SENTRY_ENVIRONMENT: "e2e",
        PLANES_CONFIG: JSON.stringify(planesConfig(`http://127.0.0.1:${simulatorPort}`, `http://127.0.0.1:${target.port}`)),
      },
      simulatorVars: { SIM_API_KEY: SECRETS.DEMO_API_KEY, SIM_FAULTS: JSON.stringify({ failing: { status: 500 } }) },
    }),
    startMesh({
      vars: {
        ...sentryVars,
        SENTRY_ENVIRONMENT: BROKEN_CONFIG_ENVIRONMENT,
        PLANES_CONFIG: JSON.stringify({ planes: [{ id: "x", apiKeySecret: "DEMO_API_KEY", regions: ["mars"], probes: [] }] }),
      },
    }),
  ]);
  await mesh.tick();
});

afterAll(async () => {
  await Promise.all([mesh?.stop(), misconfigured?.stop()]);
  await sink?.close();
  reflecting?.closeAllConnections();
  reflecting?.close();
});

describe("Sentry through wrangler dev", () => {
  it("alerts the failing plane's transition with its fingerprint, tags, runbook summary and failing results", async () => {
    const [alert] = await until("the FAILED alert of the failing plane", () => {
      const found = accepted(alertsOf("failing", "FAILED"));
      return found.length > 0 ? found : undefined;
    });
    expect(alert).toMatchObject({
      level: "error",
      message: `failing is FAILED: ${RUNBOOK.FAILED.summary}`,
      tags: { plane: "failing", status: "FAILED", previous_status: "NO_VALUE", alert: "transition" },
      release: RELEASE,
      environment: "e2e",
      contexts: { runbook: { summary: RUNBOOK.FAILED.summary } },
    });
    expect(alert!.contexts!.failing!.results).toEqual(
      expect.arrayContaining([
        // The first region to report breaks the two-region quorum on its own.
        expect.objectContaining({
          region: expect.stringMatching(/^(wnam|weur)$/),
          probe: "sync_predict",
          reason: "unexpected_status",
          http_status: 500,
          latency_ms: expect.any(Number),
          // The exact request, to find in the plane's own logs.
          traceparent: expect.stringMatching(TRACEPARENT_PATTERN),
          request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        }),
      ]),
    );
    expect(alert!.tags).toMatchObject({ traceparent: expect.stringMatching(TRACEPARENT_PATTERN) });
  });

  it("sends nothing when a plane starts OK: a start is not a recovery", async () => {
    await until("healthy OK", async () => ((await statusOf("healthy")) === "OK" ? true : undefined));
    expect(events().filter((e) => e.tags?.plane === "healthy")).toEqual([]);
  });

  it("checks the cron in with its monitor config", async () => {
    const checkIns = checkInsIn(sink.received()).filter((c) => c.release === RELEASE);
    expect(checkIns.map((c) => c.status).sort()).toEqual(["in_progress", "ok"]);
    expect(new Set(checkIns.map((c) => c.check_in_id)).size).toBe(1);
    // The opening check-in creates or updates the monitor (withMonitor); the closing one says how it ended.
    for (const checkIn of checkIns) expect(checkIn.monitor_slug).toBe(CRON_MONITOR_SLUG);
    expect(checkIns.find((c) => c.status === "in_progress")).toMatchObject({
      monitor_config: { schedule: { type: "crontab", value: "* * * * *" }, checkin_margin: 2, max_runtime: 5 },
    });
  });

  it("scrubs the credential a plane reflected into a probe result", async () => {
    const [alert] = await until("the alert of the reflecting plane", () => {
      const found = accepted(alertsOf("leaky", "FAILED"));
      return found.length > 0 ? found : undefined;
    });
    const result = alert!.contexts!.failing!.results as Array<{ probe: string; reason: string; message: string }>;
    expect(result).toEqual([
      expect.objectContaining({ probe: "sync_predict", reason: "body_mismatch", message: expect.stringContaining("[Filtered]") }),
    ]);
  });

  it("sends the resolution when the simulator fault is cleared, after one alert and no repeats", async () => {
    await setFaults("failing", {});
    const [resolution] = await until("the resolution", () => {
      const found = accepted(alertsOf("failing", "OK"));
      return found.length > 0 ? found : undefined;
    });
    expect(resolution).toMatchObject({
      level: "info",
      tags: { plane: "failing", status: "OK", previous_status: "FAILED", alert: "resolution" },
    });
    expect(alertsOf("failing", "FAILED")).toHaveLength(1);
  });

  it("captures the exception of a cron run that fails, and checks it in as an error", async () => {
    const res = await fetch(`${misconfigured.url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("* * * * *")}`);
    expect(res.ok).toBe(false);
    const mine = () => sink.received().filter((e) => e.raw.includes(BROKEN_CONFIG_ENVIRONMENT));
    const exception = await until("the cron's exception", () => eventsIn(mine())[0]);
    expect(exception).toMatchObject({
      tags: { entry_point: "scheduled" },
      exception: { values: [{ value: expect.stringMatching(/config from PLANES_CONFIG is invalid/) }] },
    });
    const statuses = await until("both check-ins", () => {
      const found = checkInsIn(mine());
      return found.length === 2 ? found.map((c) => c.status).sort() : undefined;
    });
    expect(statuses).toEqual(["error", "in_progress"]);
  });

  it("Sentry answering 500 changes no status, and the alert, retried under one event id, arrives once", async () => {
    sink.setMode("fail");
    await setFaults("healthy", { modelMissing: true });
    await until("healthy NO_ORACLE", async () => ((await statusOf("healthy")) === "NO_ORACLE" ? true : undefined));
    await until("a refused attempt", () => (alertsOf("healthy", "NO_ORACLE").some((e) => !e.accepted) ? true : undefined));
    sink.setMode("accept");
    await until("the alert, once Sentry is back", () => (accepted(alertsOf("healthy", "NO_ORACLE")).length > 0 ? true : undefined));
    const attempts = alertsOf("healthy", "NO_ORACLE");
    expect(new Set(attempts.map((e) => e.event_id)).size).toBe(1);
    expect(accepted(attempts)).toHaveLength(1);
  });

  it("Sentry hanging: results keep arriving at their period and statuses still change", async () => {
    sink.setMode("hang");
    const newest = async () => Object.values((await planes()).healthy!.regions).map((r) => Date.parse(r.probes.sync_predict!.at));
    const before = await newest();
    await setFaults("healthy", { unauthorized: true });
    await until("healthy NO_USER", async () => ((await statusOf("healthy")) === "NO_USER" ? true : undefined));
    // Several periods' worth of new results in every region, while every send to Sentry hangs.
    await until("results newer by three periods", async () => {
      const now = await newest();
      return now.every((at, i) => at >= before[i]! + 3 * PERIOD_S * 1000) ? true : undefined;
    });
    await mesh.tick();
    expect(alertsOf("healthy", "NO_USER").filter((e) => e.accepted)).toEqual([]);
    sink.setMode("accept");
    await until("the NO_USER alert, once Sentry answers", () => (accepted(alertsOf("healthy", "NO_USER")).length > 0 ? true : undefined));
  });

  it("sent no secret in any envelope", () => {
    const envelopes = sink.received();
    expect(envelopes.length).toBeGreaterThan(10);
    for (const envelope of envelopes) {
      for (const secret of Object.values(SECRETS)) expect(envelope.raw).not.toContain(secret);
    }
  });
});
