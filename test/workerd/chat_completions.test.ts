import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";
import { probe } from "../support/run-probe.ts";

/** The loopback target serves the simulator's chat completions; faults go in the query string. */
const base = `http://127.0.0.1:${env.TEST_TARGET_PORT}/chat`;

const chat = (faults = "", fields: Record<string, unknown> = {}) => ({
  kind: "chat_completions",
  model: "sim-model",
  messages: [{ role: "user", content: "Say pong" }],
  maxTokens: 8,
  path: `/v1/chat/completions${faults ? `?${faults}` : ""}`,
  ...fields,
});

describe("chat_completions", () => {
  it("passes a stream that finishes, and measures it", async () => {
    const outcome = await probe(base, chat("firstTokenDelayMs=200&tokensPerSecond=50", { expect: { contains: "pong" } }));
    expect(outcome).toMatchObject({ ok: true, reason: "ok", httpStatus: 200 });
    const figures = outcome.figures!;
    expect(figures.outputTokens).toBe(8);
    expect(figures.timeToFirstTokenMs).toBeGreaterThanOrEqual(200);
    expect(figures.timeToFirstByteMs).toBeLessThan(figures.timeToFirstTokenMs!);
    expect(figures.tokensPerSecond).toBeGreaterThan(20);
    expect(figures.tokensPerSecond).toBeLessThan(100);
    expect(figures.maxInterTokenGapMs).toBeGreaterThanOrEqual(0);
    expect(outcome.message).toMatch(/^first token \d+ ms, 8 tokens, [\d.]+ tokens\/s, total \d+ ms$/);
  });

  it("sends the key as Bearer by default, or as Api-Key, and reads a refusal as unauthorized", async () => {
    expect(await probe(base, chat("", { authScheme: "Api-Key" }))).toMatchObject({ ok: true });
    expect(await probe(base, chat(), "UNRELATED")).toMatchObject({ reason: "credentials_missing" });
    expect(await probe(`http://127.0.0.1:${env.TEST_TARGET_PORT}`, chat())).toMatchObject({ reason: "model_not_found", httpStatus: 404 });
  });

  it("reads a 429 as rate_limited and quotes retry-after", async () => {
    expect(await probe(base, chat("retryAfterSeconds=30"))).toMatchObject({
      ok: false,
      reason: "rate_limited",
      httpStatus: 429,
      message: "rate limited (429), retry-after 30",
    });
  });

  it("reads a stream cut without [DONE] as stream_incomplete", async () => {
    const outcome = await probe(base, chat("cutStream=true"));
    expect(outcome).toMatchObject({ ok: false, reason: "stream_incomplete" });
    expect(outcome.figures?.outputTokens).toBe(4);
  });

  it("reads an error event as stream_error", async () => {
    expect(await probe(base, chat("streamError=true"))).toMatchObject({
      ok: false,
      reason: "stream_error",
      message: expect.stringContaining("failed mid-stream"),
    });
  });

  it("judges the content: contains, regex (RE2) and jsonSchema", async () => {
    expect(await probe(base, chat("wrongBody=true", { expect: { contains: "pong" } }))).toMatchObject({ reason: "body_mismatch" });
    expect(await probe(base, chat("", { expect: { regex: "^pong\\. The \\w+" } }))).toMatchObject({ ok: true });
    expect(await probe(base, chat("", { expect: { regex: "^I cannot" } }))).toMatchObject({ reason: "body_mismatch" });
    const schema = { type: "object", required: ["status"], properties: { status: { const: "ok" } } };
    const json = { extraBody: { response_format: { type: "json_object" } }, expect: { jsonSchema: schema } };
    expect(await probe(base, chat("", json))).toMatchObject({ ok: true });
    expect(await probe(base, chat("", { expect: { jsonSchema: schema } }))).toMatchObject({ reason: "invalid_json" });
    const other = { ...json, expect: { jsonSchema: { ...schema, properties: { status: { const: "degraded" } } } } };
    expect(await probe(base, chat("", other))).toMatchObject({ reason: "body_mismatch" });
  });

  it("fails the thresholds with their own reasons", async () => {
    expect(await probe(base, chat("firstTokenDelayMs=300", { expect: { maxTimeToFirstTokenMs: 100 } }))).toMatchObject({
      ok: false,
      reason: "slow_first_token",
    });
    expect(await probe(base, chat("tokensPerSecond=10", { expect: { minTokensPerSecond: 50 } }))).toMatchObject({
      ok: false,
      reason: "slow_generation",
    });
    const stalled = await probe(base, chat("stallMs=400", { expect: { maxInterTokenGapMs: 200 } }));
    expect(stalled).toMatchObject({ ok: false, reason: "stream_stalled" });
    expect(stalled.figures?.maxInterTokenGapMs).toBeGreaterThanOrEqual(400);
  });

  it("times out a stream that outlasts the timeout, with what it measured so far", async () => {
    const outcome = await probe(base, chat("tokensPerSecond=2", { timeoutSeconds: 1 }));
    expect(outcome).toMatchObject({ ok: false, reason: "timeout" });
    expect(outcome.figures?.timeToFirstTokenMs).toBeDefined();
  });

  it("stops at the byte budget", async () => {
    expect(await probe(base, chat("", { maxTokens: 2000, maxBodyBytes: 4096 }))).toMatchObject({ reason: "body_too_large" });
  });

  it("judges a whole answer with stream: false", async () => {
    const outcome = await probe(base, chat("", { stream: false, expect: { contains: "pong" } }));
    expect(outcome).toMatchObject({ ok: true, figures: { outputTokens: 8 } });
    expect(await probe(base, chat("wrongBody=true", { stream: false, expect: { contains: "pong" } }))).toMatchObject({
      reason: "body_mismatch",
    });
  });

  it("refuses a regex RE2 refuses, thresholds without streaming and extraBody that sets the probe's fields", () => {
    const refused = (fields: Record<string, unknown>) => {
      const result = validateConfig({ planes: [{ id: "p", baseUrl: base, regions: ["wnam"], probes: [chat("", fields)] }] });
      return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
    };
    expect(refused({ expect: { regex: "(a)\\1" } }).join()).toMatch(/expect\.regex: not an RE2 regular expression/);
    expect(refused({ stream: false, expect: { minTokensPerSecond: 5 } }).join()).toMatch(/expect\.minTokensPerSecond: needs stream: true/);
    expect(refused({ extraBody: { stream: false } }).join()).toMatch(/extraBody: may not set/);
  });
});

describe("sync_predict with stream: true", () => {
  const predict = { kind: "sync_predict", input: { text: "ping" }, stream: true, expect: { json: { status: "ok" } } };

  it("reads the streamed answer whole and measures its first byte", async () => {
    const outcome = await probe(`http://127.0.0.1:${env.TEST_TARGET_PORT}/stream`, predict);
    expect(outcome).toMatchObject({ ok: true, httpStatus: 200 });
    expect(outcome.figures?.timeToFirstByteMs).toBeGreaterThanOrEqual(100);
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(300);
    expect(outcome.figures!.timeToFirstByteMs!).toBeLessThan(outcome.latencyMs);
  });

  it("times out a drip with the time of its first byte", async () => {
    const outcome = await probe(`http://127.0.0.1:${env.TEST_TARGET_PORT}/stream`, { ...predict, timeoutSeconds: 0.2 });
    expect(outcome).toMatchObject({ ok: false, reason: "timeout" });
  });
});
