/**
 * grpc_health against a real gRPC health server from npm (Connect: native gRPC on h2c and
 * gRPC-Web on HTTP/1.1, started by test/support/global-servers.ts), switched between SERVING
 * and NOT_SERVING at run time through the control server.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { probe } from "../support/run-probe.ts";

const ports = env.TEST_SERVERS;
const setStatus = async (service: string, status: string) => {
  const res = await fetch(`http://127.0.0.1:${ports.control}/grpc/${encodeURIComponent(service)}/${status}`, { method: "PUT" });
  expect(res.status).toBe(204);
};

const transports = {
  grpc: { kind: "grpc_health", transport: "grpc", host: "127.0.0.1", port: ports.grpc },
  "grpc-web": { kind: "grpc_health", transport: "grpc-web", url: `http://127.0.0.1:${ports.grpcWeb}` },
};

describe.each(Object.entries(transports))("grpc_health over %s", (_transport, base) => {
  afterEach(() => setStatus("inference", "SERVING"));

  it("passes on SERVING, for the server and for a named service", async () => {
    expect(await probe(undefined, base)).toMatchObject({ ok: true, message: "the server is SERVING", httpStatus: 200 });
    expect(await probe(undefined, { ...base, service: "inference" })).toMatchObject({
      ok: true,
      message: 'service "inference" is SERVING',
    });
  });

  it("follows the service to NOT_SERVING and back", async () => {
    await setStatus("inference", "NOT_SERVING");
    expect(await probe(undefined, { ...base, service: "inference" })).toMatchObject({
      ok: false,
      reason: "not_serving",
      message: 'service "inference" is NOT_SERVING',
    });
    await setStatus("inference", "SERVING");
    expect(await probe(undefined, { ...base, service: "inference" })).toMatchObject({ ok: true });
  });

  it("fails on UNKNOWN and SERVICE_UNKNOWN too: only SERVING passes", async () => {
    for (const status of ["UNKNOWN", "SERVICE_UNKNOWN"]) {
      await setStatus("inference", status);
      expect(await probe(undefined, { ...base, service: "inference" })).toMatchObject({
        ok: false,
        message: `service "inference" is ${status}`,
      });
    }
  });

  it("reads the server's NOT_FOUND for an unknown service as a gRPC error with its message", async () => {
    expect(await probe(undefined, { ...base, service: "no-such-service" })).toMatchObject({
      ok: false,
      reason: "grpc_error",
      message: "grpc-status 5 NOT_FOUND: unknown service no-such-service",
    });
  });
});

describe("grpc_health against what is not a gRPC server", () => {
  it("fails on a plain TCP server, a silent one and a closed port, within its timeout", async () => {
    const native = (port: number) => ({ kind: "grpc_health", host: "127.0.0.1", port, timeoutSeconds: 1 });
    const started = Date.now();
    expect(await probe(undefined, native(ports.tcpBanner))).toMatchObject({ ok: false });
    expect(await probe(undefined, native(ports.tcpSilent))).toMatchObject({ ok: false, reason: "timeout" });
    expect(await probe(undefined, native(ports.tcpFlood))).toMatchObject({ ok: false });
    expect(await probe(undefined, native(1))).toMatchObject({ ok: false, reason: "connection_failed" });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("fails gRPC-Web against an HTTP server that is not gRPC", async () => {
    const outcome = await probe(undefined, { kind: "grpc_health", transport: "grpc-web", url: `http://127.0.0.1:${ports.http}` });
    expect(outcome).toMatchObject({ ok: false, reason: "unexpected_status", httpStatus: 404 });
  });
});
