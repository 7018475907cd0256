import { describe, expect, it } from "vitest";
import { WEBHOOK_TOKEN_PATH } from "../../src/async/token.ts";
import { FILTERED, scrub, secretNamesIn } from "../../src/lib/scrub.ts";
import { excerpt, finalMessage, MAX_MESSAGE_CHARS } from "../../src/probes/outcome.ts";

describe("secretNamesIn", () => {
  it("finds every secret name a config refers to, whatever the probe kind calls its field", () => {
    const config = {
      planes: [
        {
          id: "a",
          apiKeySecret: "A_API_KEY",
          webhookSecret: "A_WEBHOOK_SECRET",
          probes: [
            { kind: "http", headers: { authorization: { secret: "A_BEARER", prefix: "Bearer " }, accept: "text/plain" } },
            { kind: "postgres", passwordSecret: "A_PG_PASSWORD" },
            { kind: "heartbeat", tokenSecret: "A_HEARTBEAT_TOKEN" },
          ],
        },
        { id: "b", apiKeySecret: "A_API_KEY" },
      ],
    };
    expect(secretNamesIn(config).sort()).toEqual(["A_API_KEY", "A_BEARER", "A_HEARTBEAT_TOKEN", "A_PG_PASSWORD", "A_WEBHOOK_SECRET"]);
  });

  it("reads a config that is not valid, and anything that is not a config", () => {
    expect(secretNamesIn({ planes: [{ regions: ["mars"], apiKeySecret: "K_1" }] })).toEqual(["K_1"]);
    expect(secretNamesIn(undefined)).toEqual([]);
    expect(secretNamesIn("text")).toEqual([]);
  });
});

describe("scrub", () => {
  const key = "sk-live-0123456789";

  it("removes secret values wherever they appear, as is or percent-encoded", () => {
    const event = {
      message: `body {"authorization":"Api-Key ${key}"} is not the expected {…}`,
      extra: { url: `https://plane.example/predict?k=${encodeURIComponent("p@ss word/1")}`, nested: [[`x${key}y`]] },
    };
    const scrubbed = scrub(event, [key, "p@ss word/1"]);
    expect(JSON.stringify(scrubbed)).not.toContain(key);
    expect(JSON.stringify(scrubbed)).not.toContain(encodeURIComponent("p@ss word/1"));
    expect(scrubbed.extra.nested).toEqual([[`x${FILTERED}y`]]);
  });

  it("filters credential-bearing keys: auth and signature headers, cookies, tokens, passwords", () => {
    const scrubbed = scrub(
      {
        request: {
          headers: { Authorization: "Basic abc", "X-BASETEN-SIGNATURE": "v1=00ff", "content-type": "application/json" },
          cookies: { session: "s" },
        },
        extra: { password: "hunter2", refresh_token: 12345, apiKey: "k", plane: "us-east" },
      },
      [],
    );
    expect(scrubbed).toEqual({
      request: {
        headers: { Authorization: FILTERED, "X-BASETEN-SIGNATURE": FILTERED, "content-type": "application/json" },
        cookies: FILTERED,
      },
      extra: { password: FILTERED, refresh_token: FILTERED, apiKey: FILTERED, plane: "us-east" },
    });
  });

  it("filters credentials by their shape when no secret value is known", () => {
    const text = [
      "POST /webhooks/async/us-east/4f9c2e7a1b?x=1",
      "authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc",
      "Api-Key abcdefgh12345678",
      "https://h/cb?token=abc&limit=5&api_key=zzz",
    ].join("\n");
    expect(scrub(text, [], [WEBHOOK_TOKEN_PATH])).toBe(
      [
        `POST /webhooks/async/us-east/${FILTERED}?x=1`,
        `authorization: Bearer ${FILTERED}`,
        `Api-Key ${FILTERED}`,
        `https://h/cb?token=${FILTERED}&limit=5&api_key=${FILTERED}`,
      ].join("\n"),
    );
  });

  it("leaves ordinary text, ids and non-plain objects alone", () => {
    const when = new Date(0);
    const event = {
      event_id: "0123456789abcdef0123456789abcdef",
      message: "Basic checks pass",
      route: "/webhooks/async/:plane/:token",
      at: when,
      level: "error",
    };
    const scrubbed = scrub(event, ["ab", key], [WEBHOOK_TOKEN_PATH]);
    expect(scrubbed).toEqual(event);
    expect(scrubbed.at).toBe(when);
  });

  it("does not touch the SDK's working data, which holds the live request", () => {
    const request = new Request("https://mesh/x", { headers: { authorization: "Bearer secret-value-1" } });
    const scrubbed = scrub({ sdkProcessingMetadata: { request } }, ["secret-value-1"]);
    expect(scrubbed.sdkProcessingMetadata.request).toBe(request);
  });
});

describe("probe messages", () => {
  it("are cut only after they are redacted, so no beginning of a secret survives the cut", () => {
    const secret = "s3cr3t-token-value-0123456789";
    const redact = (text: string) => scrub(text, [secret]);
    const long = finalMessage(`${"x".repeat(MAX_MESSAGE_CHARS - 10)}${secret}`, redact);
    expect(long.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(long).not.toContain(secret.slice(0, 6));
    expect(excerpt(`${"y".repeat(70)}${secret} and more`, redact)).not.toContain(secret.slice(0, 6));
  });
});
