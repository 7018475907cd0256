import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, it } from "vitest";
import { encodeCursor } from "../../src/http/routes/api/paging.ts";
import { planeStub } from "../../src/objects/stubs.ts";
import { expectBoundedProblem, fuzzOptions, fuzzTimeout, hostileText } from "../support/fuzz.ts";
import { rowsWrittenBy } from "../support/rows.ts";

/** Values a query parameter of the API might be sent: times in both spellings, numbers, cursors, junk. */
const value = fc.oneof(
  hostileText(40),
  fc.bigInt({ min: -(10n ** 22n), max: 10n ** 22n }).map(String),
  fc.integer({ min: 0, max: 2 ** 45 }).map(String),
  fc.date().map((d) => (Number.isNaN(d.getTime()) ? "NaN" : d.toISOString())),
  fc.constantFrom("1e3", "0x10", "-0", "Infinity", " 5", "2026-13-45T99:99:99Z", "success", "failure", "wnam", "good"),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.double()), { maxLength: 4 }).map(encodeCursor),
  fc.string({ maxLength: 700, unit: fc.constantFrom(..."ABCabc019-_=") }),
);

const PARAMETERS = ["from", "to", "limit", "cursor", "region", "probe", "outcome", "plane"];
const PATHS = [
  "/api/v1/planes/good/history",
  "/api/v1/planes/good/transitions",
  "/api/v1/transitions",
  "/api/v1/status",
  "/api/v1/planes/good",
  "/api/v1/planes/good/uptime",
  "/api/v1/planes/nope/history",
];

describe("fuzz: API query parameters and cursors", () => {
  it(
    "answers any parameters on every read route with 200, 400 or 404, never a 5xx, writing nothing",
    async () => {
      // Every route once before measuring: the objects a read touches write their schema when created.
      for (const path of PATHS) await exports.default.fetch(`http://mesh${path}`);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...PATHS),
          fc.array(fc.tuple(fc.constantFrom(...PARAMETERS), value), { maxLength: 6 }),
          async (path, parameters) => {
            const query = parameters.map(([name, v]) => `${name}=${encodeURIComponent(v)}`).join("&");
            const written = await rowsWrittenBy(planeStub(env, "good"), async () => {
              const res = await exports.default.fetch(`http://mesh${path}?${query}`);
              await expectBoundedProblem(res, [200, 400, 404]);
            });
            if (written !== 0) throw new Error(`${path}?${query} wrote ${written} rows`);
          },
        ),
        fuzzOptions(2),
      );
    },
    fuzzTimeout(300, 2),
  );

  it(
    "answers any Last-Event-ID and plane on the event stream with a stream or a 400/404",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.option(value), fc.option(value), async (lastEventId, plane) => {
          const headers: Record<string, string> = lastEventId === null ? {} : { "last-event-id": lastEventId.replace(/[^\x20-\x7e]/g, "") };
          const controller = new AbortController();
          const query = plane === null ? "" : `?plane=${encodeURIComponent(plane)}`;
          const res = await exports.default.fetch(`http://mesh/api/v1/events${query}`, { headers, signal: controller.signal });
          if (res.status === 200) await res.body?.cancel();
          else await expectBoundedProblem(res, [400, 404]);
        }),
        fuzzOptions(0.5),
      );
    },
    fuzzTimeout(300, 0.5),
  );
});
