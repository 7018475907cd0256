/**
 * The maintenance API is public (on-call calls it from anywhere): any method, authorization and
 * body gets an answer, never a 5xx, and only the admin token with a valid request changes the
 * plane's storage.
 */
import { createExecutionContext, env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { planeStub } from "../../src/objects/stubs.ts";
import { expectBoundedProblem, fuzzOptions, fuzzTimeout, hostileText, tableContents } from "../support/fuzz.ts";

const PLANE = "good";
const ADMIN_TOKEN = "fuzz-admin-token";
const ADMIN = { ...env, ADMIN_TOKEN };

const body = fc.oneof(
  hostileText(300),
  fc.json({ maxDepth: 3 }),
  fc
    .record(
      {
        until: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string({ maxLength: 40 }),
          fc.integer(),
        ),
        reason: fc.oneof(fc.string({ maxLength: 260 }), fc.constant(null)),
      },
      { requiredKeys: [] },
    )
    .map((b) => JSON.stringify(b)),
);

const authorization = fc.option(
  fc.oneof(
    // What a header value may hold: visible ASCII and spaces (anything else the fetch API itself refuses).
    fc.string({ maxLength: 80, unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }),
    fc.constant(`Bearer ${ADMIN_TOKEN}`),
    fc.constant(`Bearer ${ADMIN_TOKEN}x`),
    fc.constant("Bearer "),
  ),
);

describe("fuzz: maintenance API", () => {
  it(
    "answers any method, authorization and body without a 5xx; a refusal changes nothing",
    async () => {
      const stub = planeStub(env, PLANE);
      await stub.detail(PLANE);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("PUT", "DELETE", "POST", "PATCH"),
          authorization,
          fc.option(body),
          fc.constantFrom(PLANE, "no-such-plane", "%00", "a".repeat(300)),
          async (method, auth, sent, plane) => {
            const headers: Record<string, string> = { "content-type": "application/json" };
            if (auth !== null) headers.authorization = auth;
            const before = await tableContents(stub, ["annotations"]);
            const request: Request<unknown, IncomingRequestCfProperties> = new Request(`http://mesh/api/v1/planes/${plane}/maintenance`, {
              method,
              headers,
              body: sent,
            });
            const res = await worker.fetch(request, ADMIN, createExecutionContext());
            await expectBoundedProblem(res, [200, 400, 401, 404, 405, 413, 415]);
            if (res.status !== 200) expect(await tableContents(stub, ["annotations"])).toBe(before);
          },
        ),
        fuzzOptions(),
      );
    },
    fuzzTimeout(60),
  );
});
