import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { probe } from "../support/run-probe.ts";

const base = `http://127.0.0.1:${env.TEST_TARGET_PORT}`;

const predict = { kind: "sync_predict", input: { text: "ping" }, expect: { json: { status: "ok", echo: { text: "ping" } } } };

describe("sync_predict", () => {
  it("passes when the model answers the expected body", async () => {
    expect(await probe(`${base}/ok`, predict)).toMatchObject({ ok: true, reason: "ok", httpStatus: 200 });
  });

  it("reads a wrong body as body_mismatch", async () => {
    expect(await probe(`${base}/wrong`, predict)).toMatchObject({ ok: false, reason: "body_mismatch", httpStatus: 200 });
  });

  it("reads a server error as unexpected_status", async () => {
    expect(await probe(`${base}/fail`, predict)).toMatchObject({ ok: false, reason: "unexpected_status", httpStatus: 500 });
  });

  it("reads 401 as unauthorized, and a missing secret as credentials_missing without a request", async () => {
    expect(await probe(`${base}/ok`, predict, "WRONG_KEY_NAME_THAT_IS_UNSET")).toMatchObject({
      ok: false,
      reason: "credentials_missing",
      message: "secret WRONG_KEY_NAME_THAT_IS_UNSET is not set",
    });
    expect(await probe(`${base}/fail`, { ...predict, path: "/../ok/predict" }, "UNRELATED")).toMatchObject({
      reason: "credentials_missing",
    });
  });

  it("reads 404 or MODEL_DOES_NOT_EXIST as model_not_found", async () => {
    expect(await probe(`${base}/missing`, predict)).toMatchObject({ ok: false, reason: "model_not_found", httpStatus: 404 });
    expect(await probe(`${base}/gone`, predict)).toMatchObject({ ok: false, reason: "model_not_found", httpStatus: 400 });
  });

  it("gives up on a target that never answers at its timeout", async () => {
    const started = Date.now();
    const outcome = await probe(`${base}/hang`, { ...predict, timeoutSeconds: 1 });
    expect(outcome).toMatchObject({ ok: false, reason: "timeout" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("reports a refused connection", async () => {
    expect(await probe("http://127.0.0.1:1", predict)).toMatchObject({ ok: false, reason: "connection_failed" });
  });
});

describe("http", () => {
  it("passes 200-399 by default, following same-host redirects only, as the kubelet does", async () => {
    expect(await probe(base, { kind: "http", url: "/ok/healthz" })).toMatchObject({ ok: true, httpStatus: 200 });
    expect(await probe(base, { kind: "http", url: "/redirect" })).toMatchObject({ ok: true, httpStatus: 200 });
    expect(await probe(base, { kind: "http", url: "/redirect-away" })).toMatchObject({ ok: true, httpStatus: 302 });
    expect(await probe(base, { kind: "http", url: "/redirect-loop" })).toMatchObject({
      ok: false,
      reason: "too_many_redirects",
      httpStatus: 302,
    });
    expect(await probe(base, { kind: "http", url: "/unready/healthz" })).toMatchObject({
      ok: false,
      reason: "unexpected_status",
      message: "status 503, expected 200-399",
    });
  });

  it("reads a body cut short as connection_closed, and bytes that are not UTF-8 as invalid_json", async () => {
    expect(await probe(base, { kind: "http", url: "/cut" })).toMatchObject({ ok: false, reason: "connection_closed", httpStatus: 200 });
    expect(await probe(base, { kind: "http", url: "/not-utf8", expect: { jsonPaths: [{ path: "$.ready", exists: true }] } })).toMatchObject(
      {
        ok: false,
        reason: "invalid_json",
      },
    );
  });

  it("checks JSON paths and substrings", async () => {
    const json = { kind: "http", url: `${base}/json` };
    expect(
      await probe(undefined, { ...json, expect: { jsonPaths: [{ path: "$.model.ready", equals: true }], bodyContains: "replicas" } }),
    ).toMatchObject({ ok: true });
    expect(await probe(undefined, { ...json, expect: { jsonPaths: [{ path: "$.model.replicas[0]", equals: 9 }] } })).toMatchObject({
      ok: false,
      reason: "body_mismatch",
      message: "$.model.replicas[0] is 1, expected 9",
    });
  });

  it("sends headers, with values from secrets by name", async () => {
    const outcome = await probe(base, {
      kind: "http",
      url: "/echo-headers",
      headers: { "x-plain": "1", authorization: { secret: "TARGET_API_KEY", prefix: "Bearer " } },
      expect: {
        jsonPaths: [
          { path: "$.authorization", equals: `Bearer ${env.TARGET_API_KEY}` },
          { path: '$["x-plain"]', equals: "1" },
        ],
      },
    });
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.message).not.toContain(env.TARGET_API_KEY);
    expect(await probe(base, { kind: "http", url: "/ok/healthz", headers: { authorization: { secret: "NOT_SET" } } })).toMatchObject({
      reason: "credentials_missing",
    });
  });

  it("never quotes a secret a target echoes back", async () => {
    const outcome = await probe(base, {
      kind: "http",
      url: "/echo-headers",
      headers: { authorization: { secret: "TARGET_API_KEY", prefix: "Bearer " } },
      expect: { json: { expected: "something else" } },
    });
    expect(outcome).toMatchObject({ ok: false, reason: "body_mismatch" });
    expect(outcome.message).toContain('"authorization":"Bearer [Filtered]"');
    expect(outcome.message).not.toContain(env.TARGET_API_KEY);
    // A bare secret has no credential shape to give it away: only its value can.
    const bare = await probe(base, {
      kind: "http",
      url: "/echo-headers",
      headers: { "x-echo": { secret: "TARGET_API_KEY" } },
      expect: { jsonPaths: [{ path: '$["x-echo"]', equals: "something else" }] },
    });
    expect(bare).toMatchObject({ ok: false, reason: "body_mismatch" });
    expect(bare.message).toBe('$["x-echo"] is [Filtered], expected something else');
    expect(outcome.message).not.toContain(env.TARGET_API_KEY);
  });

  it("reads at most maxBodyBytes of a flood", async () => {
    expect(await probe(base, { kind: "http", url: "/big", maxBodyBytes: 1024, expect: { bodyContains: "y" } })).toMatchObject({
      ok: false,
      reason: "body_too_large",
    });
    // Without a body check the flood is not read at all beyond the limit, and the probe passes.
    expect(await probe(base, { kind: "http", url: "/big", maxBodyBytes: 1024 })).toMatchObject({ ok: true });
  });

  it("cuts a dripping body off at the deadline", async () => {
    const started = Date.now();
    expect(await probe(base, { kind: "http", url: "/drip", timeoutSeconds: 1, expect: { bodyContains: "!" } })).toMatchObject({
      ok: false,
      reason: "timeout",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
