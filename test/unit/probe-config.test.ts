/** Config errors of the probe kinds beyond inference: each refused with the field at fault and why. */
import { describe, expect, it } from "vitest";
import { validateConfig, type ConfigProblem } from "../../src/config/validate.ts";

function problemsOf(probes: unknown[], plane: Record<string, unknown> = { baseUrl: "http://plane.test" }): ConfigProblem[] {
  const result = validateConfig({ planes: [{ id: "p", regions: ["wnam"], ...plane, probes }] });
  return result.ok ? [] : result.problems;
}

function parsed(probe: Record<string, unknown>) {
  const result = validateConfig({ planes: [{ id: "p", baseUrl: "http://plane.test", regions: ["wnam"], probes: [probe] }] });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config.planes[0]!.probes;
}

describe("socket probe config", () => {
  it("fills defaults: Kubernetes timing, Redis and PostgreSQL ports, pg_isready's TLS preference", () => {
    expect(parsed({ kind: "tcp", port: 22 })[0]).toMatchObject({
      periodSeconds: 10,
      timeoutSeconds: 1,
      failureThreshold: 3,
      tls: false,
      maxBytes: 4096,
    });
    expect(parsed({ kind: "redis" })[0]).toMatchObject({ port: 6379, tls: false });
    expect(parsed({ kind: "postgres" })[0]).toMatchObject({ port: 5432, user: "planewatch", tls: "prefer" });
  });

  it("refuses a missing or impossible port, a bad host, and no host at all", () => {
    expect(problemsOf([{ kind: "tcp" }, { kind: "redis", port: 70_000 }, { kind: "postgres", host: "db:5432" }])).toEqual([
      { path: "planes[0].probes[0].port", message: "required" },
      { path: "planes[0].probes[1].port", message: "Too big: expected number to be <=65535" },
      { path: "planes[0].probes[2].host", message: "expected a host name or an IP address, without scheme or port" },
    ]);
    expect(problemsOf([{ kind: "redis", name: "cache" }], {})).toEqual([
      { path: "planes[0].probes[0].host", message: "required when the plane has no baseUrl" },
    ]);
  });

  it("refuses a bad regex, bad hex, two payloads, and an expect with two checks", () => {
    expect(
      problemsOf([
        { kind: "tcp", name: "a", port: 1, expect: { regex: "(unclosed" } },
        { kind: "tcp", name: "b", port: 1, sendHex: "0g" },
        { kind: "tcp", name: "c", port: 1, send: "x", sendHex: "00" },
        { kind: "tcp", name: "d", port: 1, expect: { maxLatencyMs: 100 } },
        { kind: "tcp", name: "e", port: 1, expect: { contains: "a", regex: "b" } },
        // RE2 has no lookaround, and bounds what counted repetitions expand to.
        { kind: "tcp", name: "f", port: 1, expect: { regex: "a(?=b)" } },
        { kind: "tcp", name: "g", port: 1, expect: { regex: "(a{1000}){1000}" } },
      ]).map((p) => [p.path, p.message.replace(/:.*/, "")]),
    ).toEqual([
      ["planes[0].probes[0].expect.regex", "not an RE2 regular expression"],
      ["planes[0].probes[1].sendHex", "expected bytes as hex digits, two per byte (e.g. 0d0a)"],
      ["planes[0].probes[2].sendHex", "give send or sendHex, not both"],
      ["planes[0].probes[4].expect", "give at most one of contains, containsHex, regex"],
      ["planes[0].probes[5].expect.regex", "not an RE2 regular expression"],
      ["planes[0].probes[6].expect.regex", "not an RE2 regular expression"],
    ]);
  });

  it("refuses a password given as a value, and an unknown TLS mode", () => {
    expect(
      problemsOf([
        { kind: "redis", passwordSecret: "hunter2" },
        { kind: "postgres", tls: "verify-full" },
      ]).map((p) => p.path),
    ).toEqual(["planes[0].probes[0].passwordSecret", "planes[0].probes[1].tls"]);
  });
});

describe("grpc_health config", () => {
  it("defaults to native gRPC for the whole server", () => {
    expect(parsed({ kind: "grpc_health", port: 50051 })[0]).toMatchObject({ transport: "grpc", service: "", periodSeconds: 10 });
  });

  it("needs a port for native gRPC, and refuses fields of the other transport", () => {
    expect(
      problemsOf([
        { kind: "grpc_health", name: "a" },
        { kind: "grpc_health", name: "b", port: 1, url: "/grpc" },
        { kind: "grpc_health", name: "c", transport: "grpc-web", port: 1 },
        { kind: "grpc_health", name: "d", transport: "grpc+tls", port: 1 },
      ]),
    ).toEqual([
      { path: "planes[0].probes[0].port", message: "required for transport grpc" },
      { path: "planes[0].probes[1].url", message: 'only for transport "grpc-web"' },
      { path: "planes[0].probes[2].port", message: 'only for transport "grpc"' },
      { path: "planes[0].probes[3].transport", message: 'Invalid option: expected one of "grpc"|"grpc-web"' },
    ]);
  });

  it("needs somewhere to go when the plane has no baseUrl", () => {
    expect(
      problemsOf(
        [
          { kind: "grpc_health", name: "a", port: 1 },
          { kind: "grpc_health", name: "b", transport: "grpc-web" },
        ],
        {},
      ),
    ).toEqual([
      { path: "planes[0].probes[0].host", message: "required when the plane has no baseUrl" },
      { path: "planes[0].probes[1].url", message: "required when the plane has no baseUrl" },
    ]);
  });
});

describe("Kubernetes roles and tiered endpoints", () => {
  it("refuses an unknown role", () => {
    expect(problemsOf([{ kind: "http", url: "/x", role: "warmup" }])).toEqual([
      { path: "planes[0].probes[0].role", message: 'Invalid option: expected one of "liveness"|"readiness"|"startup"' },
    ]);
  });

  it("expands http_tiers into three http probes with the roles seed 003 recommends", () => {
    const probes = parsed({
      kind: "http_tiers",
      name: "web",
      livez: "/_healthz/livez/",
      readyz: "/_healthz/readyz/",
      healthz: "/_healthz/",
      failureThreshold: 6,
    });
    expect(probes).toEqual([
      expect.objectContaining({
        kind: "http",
        name: "web-livez",
        role: "liveness",
        url: "/_healthz/livez/",
        failureThreshold: 6,
        periodSeconds: 10,
      }),
      expect.objectContaining({
        kind: "http",
        name: "web-readyz",
        role: "readiness",
        url: "/_healthz/readyz/",
        expect: { status: "200-399" },
      }),
      expect.objectContaining({ kind: "http", name: "web-healthz", role: "startup", url: "/_healthz/" }),
    ]);
    expect(parsed({ kind: "http_tiers" }).map((p) => [p.name, (p as { url: string }).url])).toEqual([
      ["livez", "/livez"],
      ["readyz", "/readyz"],
      ["healthz", "/healthz"],
    ]);
  });

  it("keeps names unique across the expansion, and points at the declared entry", () => {
    expect(problemsOf([{ kind: "http", name: "readyz", url: "/r" }, { kind: "http_tiers" }])).toEqual([
      { path: "planes[0].probes[1].name", message: 'duplicate probe name "readyz": give each probe of a kind a distinct name' },
    ]);
  });

  it("refuses a role on the set, a relative tier without baseUrl, and a bad URL", () => {
    expect(problemsOf([{ kind: "http_tiers", role: "startup" }])).toEqual([
      { path: "planes[0].probes[0]", message: 'Unrecognized key: "role"' },
    ]);
    expect(problemsOf([{ kind: "http_tiers", readyz: "readyz" }])).toEqual([
      { path: "planes[0].probes[0].readyz", message: "expected an http(s) URL, or a path starting with / (joined to the plane's baseUrl)" },
    ]);
    expect(problemsOf([{ kind: "http_tiers", livez: "http://a.test/livez" }], {})).toEqual([
      { path: "planes[0].probes[0].readyz", message: "a relative URL needs the plane's baseUrl" },
      { path: "planes[0].probes[0].healthz", message: "a relative URL needs the plane's baseUrl" },
    ]);
  });
});

describe("heartbeat config", () => {
  it("needs a token secret by name, and a period that fits the status TTL", () => {
    expect(
      problemsOf([
        { kind: "heartbeat", name: "a" },
        { kind: "heartbeat", name: "b", tokenSecret: "T", periodSeconds: 3600 },
        { kind: "heartbeat", name: "c", tokenSecret: "T", timeoutSeconds: 1 },
      ]).map((p) => [p.path, p.message.slice(0, 60)]),
    ).toEqual([
      ["planes[0].probes[0].tokenSecret", "required"],
      ["planes[0].probes[2]", 'Unrecognized key: "timeoutSeconds"'],
    ]);
    expect(problemsOf([{ kind: "heartbeat", tokenSecret: "T", periodSeconds: 100 }])).toEqual([
      {
        path: "planes[0].probes[0].periodSeconds",
        message:
          "periodSeconds + graceSeconds (130 s) exceed the plane's statusTtlSeconds (120 s): the status would expire between heartbeats; raise statusTtlSeconds",
      },
    ]);
  });
});
