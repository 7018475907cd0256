/**
 * Socket probes against real servers on loopback, started by test/support/global-servers.ts:
 * Debian's redis-server and PostgreSQL, and plain TCP listeners that greet, stay silent or flood.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { probe } from "../support/run-probe.ts";

const ports = env.TEST_SERVERS;
/** Flips a server through the control server; says why when it could not. */
async function control(path: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${ports.control}${path}`, { method: "PUT" });
  expect(res.status, await res.text()).toBe(204);
}

/** Nothing listens on port 1 (privileged, never one of ours). */
const CLOSED_PORT = 1;
/** Generous: proves a probe cannot be held, never measures speed. */
const WELL_PAST_TIMEOUT_MS = 5_000;

describe("tcp", () => {
  const tcp = (port: number, extra: Record<string, unknown> = {}) => ({ kind: "tcp", host: "127.0.0.1", port, ...extra });

  it("passes on a completed connection, fails on a refused one", async () => {
    expect(await probe(undefined, tcp(ports.tcpBanner))).toMatchObject({ ok: true, reason: "ok", message: "connected" });
    expect(await probe(undefined, tcp(CLOSED_PORT))).toMatchObject({ ok: false, reason: "connection_failed" });
  });

  it("takes the host from the plane's baseUrl", async () => {
    expect(await probe("http://127.0.0.1:9", { kind: "tcp", port: ports.tcpBanner })).toMatchObject({ ok: true });
  });

  it("sends bytes and expects text, bytes or a regex in the reply", async () => {
    expect(await probe(undefined, tcp(ports.tcpBanner, { expect: { contains: "ready" } }))).toMatchObject({ ok: true });
    expect(await probe(undefined, tcp(ports.tcpBanner, { send: "PING\r\n", expect: { regex: "\\+PONG\\r\\n$" } }))).toMatchObject({
      ok: true,
    });
    expect(await probe(undefined, tcp(ports.tcpBanner, { sendHex: "50494e470d0a", expect: { containsHex: "2b504f4e47" } }))).toMatchObject({
      ok: true,
    });
  });

  it("reports a reply that does not match, with what arrived", async () => {
    const outcome = await probe(undefined, tcp(ports.tcpBanner, { expect: { contains: "SSH-2.0" }, timeoutSeconds: 1 }));
    expect(outcome).toMatchObject({ ok: false, reason: "unexpected_reply" });
    expect(outcome.message).toContain("220 planewatch-test ready");
  });

  it("gives up on a server that accepts and never answers, at its timeout", async () => {
    const started = Date.now();
    expect(await probe(undefined, tcp(ports.tcpSilent, { expect: { contains: "hello" }, timeoutSeconds: 1 }))).toMatchObject({
      ok: false,
      reason: "timeout",
    });
    expect(Date.now() - started).toBeLessThan(WELL_PAST_TIMEOUT_MS);
  });

  it("stops reading a server that answers forever at maxBytes", async () => {
    const started = Date.now();
    const outcome = await probe(undefined, tcp(ports.tcpFlood, { expect: { contains: "never" }, maxBytes: 8192, timeoutSeconds: 2 }));
    expect(outcome).toMatchObject({ ok: false, reason: "unexpected_reply" });
    expect(outcome.message).toMatch(/^more than 8192 bytes/);
    expect(Date.now() - started).toBeLessThan(WELL_PAST_TIMEOUT_MS);
  });

  it("matches a regex on RE2: a reply built to make a backtracking engine run for hours is judged at once", async () => {
    const started = Date.now();
    // `(x+x+)+y` over thousands of x's backtracks exponentially on a backtracking engine; the flood sends only x's.
    const outcome = await probe(undefined, tcp(ports.tcpFlood, { expect: { regex: "(x+x+)+y" }, maxBytes: 65_536, timeoutSeconds: 2 }));
    expect(outcome).toMatchObject({ ok: false, reason: "unexpected_reply" });
    expect(Date.now() - started).toBeLessThan(WELL_PAST_TIMEOUT_MS);
  });

  it("fails a TLS handshake with a server that does not speak TLS, without hanging", async () => {
    const started = Date.now();
    expect(await probe(undefined, tcp(ports.tcpBanner, { tls: true, timeoutSeconds: 2 }))).toMatchObject({ ok: false });
    expect(Date.now() - started).toBeLessThan(WELL_PAST_TIMEOUT_MS);
  });
});

describe.skipIf(ports.redis === null)("redis (Debian's redis-server)", () => {
  const redis = (port: number | null, extra: Record<string, unknown> = {}) => ({ kind: "redis", host: "127.0.0.1", port, ...extra });

  it("passes on PONG", async () => {
    expect(await probe(undefined, redis(ports.redis))).toMatchObject({ ok: true, message: "PONG" });
  });

  it("authenticates with the password from a secret, named in the config", async () => {
    const outcome = await probe(undefined, redis(ports.redisWithPassword, { passwordSecret: "REDIS_PASSWORD" }));
    expect(outcome).toMatchObject({ ok: true, message: "PONG" });
  });

  it("fails with the server's message without a password, or with a wrong one", async () => {
    expect(await probe(undefined, redis(ports.redisWithPassword))).toMatchObject({
      ok: false,
      reason: "unauthorized",
      message: expect.stringMatching(/^NOAUTH Authentication required/),
    });
    const wrong = await probe(undefined, redis(ports.redisWithPassword, { passwordSecret: "TARGET_API_KEY" }));
    expect(wrong).toMatchObject({ ok: false, reason: "unauthorized", message: expect.stringMatching(/^WRONGPASS/) });
    expect(wrong.message).not.toContain(env.TARGET_API_KEY);
  });

  it("reads an unset password secret as credentials_missing", async () => {
    expect(await probe(undefined, redis(ports.redis, { passwordSecret: "UNSET_REDIS_PASSWORD" }))).toMatchObject({
      reason: "credentials_missing",
    });
  });

  it("fails on something that is not Redis, and on a silent server at its timeout", async () => {
    expect(await probe(undefined, redis(ports.tcpBanner))).toMatchObject({ ok: false, reason: "unexpected_reply" });
    expect(await probe(undefined, redis(ports.tcpSilent, { timeoutSeconds: 1 }))).toMatchObject({ ok: false, reason: "timeout" });
    expect(await probe(undefined, redis(CLOSED_PORT))).toMatchObject({ ok: false, reason: "connection_failed" });
  });
});

describe.skipIf(ports.postgres === null)("postgres (Debian's PostgreSQL), as pg_isready", () => {
  const postgres = (extra: Record<string, unknown> = {}) => ({ kind: "postgres", host: "127.0.0.1", port: ports.postgres, ...extra });

  it("reads an accepting server as accepting, without a password, whatever the role", async () => {
    expect(await probe(undefined, postgres())).toMatchObject({ ok: true, message: expect.stringMatching(/^accepting connections/) });
    expect(await probe(undefined, postgres({ user: "postgres", tls: "disable" }))).toMatchObject({ ok: true });
  });

  it("fails when TLS is required and the server offers none", async () => {
    expect(await probe(undefined, postgres({ tls: "require" }))).toMatchObject({ ok: false, reason: "tls_unavailable" });
  });

  it("reads a stopped server as no response, and the restarted one as accepting again", async () => {
    await control("/postgres/stopped");
    try {
      expect(await probe(undefined, postgres())).toMatchObject({ ok: false, reason: "connection_failed" });
    } finally {
      await control("/postgres/running");
    }
    expect(await probe(undefined, postgres())).toMatchObject({ ok: true });
  });

  it("reads a server shutting down with a session still open as rejecting connections (57P03)", async () => {
    await control("/postgres/rejecting");
    try {
      expect(await probe(undefined, postgres())).toMatchObject({
        ok: false,
        reason: "rejecting_connections",
        message: "FATAL 57P03: the database system is shutting down",
      });
    } finally {
      await control("/postgres/running");
    }
    expect(await probe(undefined, postgres())).toMatchObject({ ok: true });
  });

  it("fails on a server that is not PostgreSQL, and on a silent one at its timeout", async () => {
    expect(await probe(undefined, postgres({ port: ports.tcpBanner }))).toMatchObject({ ok: false, reason: "unexpected_reply" });
    expect(await probe(undefined, postgres({ port: ports.tcpSilent, timeoutSeconds: 1 }))).toMatchObject({ ok: false, reason: "timeout" });
  });
});
