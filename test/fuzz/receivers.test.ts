import { createExecutionContext, env, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { planeStub } from "../../src/objects/stubs.ts";
import { expectBoundedProblem, fuzzOptions, fuzzTimeout, hostileText, tableContents } from "../support/fuzz.ts";

/** A genuine webhook token of async-a: the fuzzer also sends bodies under a token that passes. */
async function genuineToken(): Promise<string> {
  const now = Date.now();
  const ticket = await planeStub(env, "async-a").openAsync("async-a", "wnam", "async_predict", now, now + 3_600_000);
  return ticket.token;
}

/** What a delivery could change besides its counter: the pending and settled requests, the results on their way to D1. */
const REQUEST_TABLES = ["async_pending", "async_done", "outbox", "regions"];

const pendingRows = () =>
  runInDurableObject(
    planeStub(env, "async-a"),
    (_o, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM async_pending").one().n,
  );

const jsonish = fc.oneof(
  hostileText(200),
  fc.json({ maxDepth: 3 }),
  fc
    .record({
      request_id: fc.oneof(fc.string({ maxLength: 20 }), fc.integer()),
      type: fc.constantFrom("async_request_completed", "other"),
      time: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.string({ maxLength: 30 }),
      ),
      data: fc.jsonValue({ maxDepth: 2 }),
      errors: fc.oneof(
        fc.constant(null),
        fc.array(fc.record({ code: fc.string({ maxLength: 20 }), message: fc.string({ maxLength: 20 }) })),
      ),
    })
    .map((body) => JSON.stringify(body)),
);

const headerValue = fc.string({ maxLength: 120, unit: fc.constantFrom(..."v1=,0123456789abcdefABCDEF xyz-_.") });

describe("fuzz: webhook receiver", () => {
  it(
    "answers any body, signature, request id and token without a 5xx; a refusal changes only its counter",
    async () => {
      const token = await genuineToken();
      // Each plane's object once before measuring: creating an object writes its schema.
      for (const plane of ["async-a", "async-b"])
        await exports.default.fetch(`http://mesh/webhooks/async/${plane}/x.y`, { method: "POST" });
      const before = await pendingRows();
      await fc.assert(
        fc.asyncProperty(
          jsonish,
          fc.option(headerValue),
          fc.option(fc.string({ maxLength: 40 })),
          fc.oneof(fc.constant(token), fc.string({ minLength: 1, maxLength: 80, unit: fc.constantFrom(..."abcXYZ019-_.%") })),
          fc.constantFrom("async-a", "nope", "async-b"),
          async (body, signature, requestId, path, plane) => {
            const headers: Record<string, string> = {};
            if (signature !== null) headers["x-baseten-signature"] = signature;
            if (requestId !== null) headers["x-baseten-request-id"] = requestId.replace(/[^\x20-\x7e]/g, "");
            const stub = planeStub(env, plane === "nope" ? "async-a" : plane);
            const before = await tableContents(stub, REQUEST_TABLES);
            const res = await exports.default.fetch(`http://mesh/webhooks/async/${plane}/${path}`, { method: "POST", headers, body });
            await expectBoundedProblem(res, [200, 400, 401, 404, 413]);
            // A refused delivery adds one to its outcome's counter, and changes nothing else.
            if (res.status !== 200) expect(await tableContents(stub, REQUEST_TABLES)).toBe(before);
          },
        ),
        fuzzOptions(),
      );
      // Nothing the fuzzer sent was signed with the secret: the request still waits.
      expect(await pendingRows()).toBe(before);
    },
    fuzzTimeout(300),
  );
});

describe("fuzz: heartbeat receiver", () => {
  const heartbeatEnv = {
    ...env,
    HEARTBEAT_TOKEN: "beat-token",
    PLANES_CONFIG: JSON.stringify({
      planes: [{ id: "beats", regions: ["wnam"], probes: [{ kind: "heartbeat", name: "worker", tokenSecret: "HEARTBEAT_TOKEN" }] }],
    }),
  };

  it(
    "answers any plane, probe, token and body without a 5xx, and a refusal stores nothing",
    async () => {
      // The plane's object once before measuring: creating an object writes its schema.
      await planeStub(env, "beats").detail("beats");
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("beats", "good", "x"),
          fc.constantFrom("worker", "sync_predict", "nope"),
          fc.option(
            fc.oneof(fc.constant("Bearer beat-token"), fc.string({ maxLength: 60, unit: fc.constantFrom(..."Bearer beat-token \t:") })),
          ),
          fc.option(hostileText(100)),
          async (plane, probe, authorization, body) => {
            const headers: Record<string, string> = authorization === null ? {} : { authorization };
            const request: Request<unknown, IncomingRequestCfProperties> = new Request(`http://mesh/api/v1/heartbeats/${plane}/${probe}`, {
              method: "POST",
              headers,
              body,
            });
            const before = await tableContents(planeStub(env, "beats"));
            const res = await worker.fetch(request, heartbeatEnv, createExecutionContext());
            await expectBoundedProblem(res, [202, 401, 404]);
            if (res.status !== 202) expect(await tableContents(planeStub(env, "beats"))).toBe(before);
            else expect(authorization).toBe("Bearer beat-token");
          },
        ),
        fuzzOptions(),
      );
    },
    fuzzTimeout(200),
  );
});
