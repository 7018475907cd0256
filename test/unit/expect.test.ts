import { describe, expect, it } from "vitest";
import { checkBody, parseJsonPath, resolveUrl, statusMatches } from "../../src/probes/wire/expect.ts";

describe("status specs", () => {
  it("matches codes, ranges and lists", () => {
    expect(statusMatches(200, 200)).toBe(true);
    expect(statusMatches(201, 200)).toBe(false);
    expect(statusMatches(399, "200-399")).toBe(true);
    expect(statusMatches(400, "200-399")).toBe(false);
    expect(statusMatches(204, "200, 204,300-302")).toBe(true);
    expect(statusMatches(301, "200, 204,300-302")).toBe(true);
    expect(statusMatches(303, "200, 204,300-302")).toBe(false);
  });
});

describe("JSON paths", () => {
  it("parses the supported forms and refuses others", () => {
    expect(parseJsonPath("$")).toEqual([]);
    expect(parseJsonPath("$.a.b[0]")).toEqual(["a", "b", 0]);
    expect(parseJsonPath('$["odd key"].x')).toEqual(["odd key", "x"]);
    expect(parseJsonPath("a.b")).toBeNull();
    expect(parseJsonPath("$..a")).toBeNull();
    expect(parseJsonPath("$.a[")).toBeNull();
  });
});

describe("body checks", () => {
  const body = JSON.stringify({ model: { ready: true, replicas: [1, 2] }, "odd key": null });
  const base = { status: 200 };

  it("passes a body that meets every expectation", () => {
    expect(
      checkBody(
        {
          ...base,
          bodyContains: "ready",
          json: { "odd key": null, model: { replicas: [1, 2], ready: true } },
          jsonPaths: [
            { path: "$.model.ready", equals: true },
            { path: "$.model.replicas[1]", equals: 2 },
            { path: '$["odd key"]', exists: true },
            { path: "$.missing", exists: false },
          ],
        },
        body,
        5,
        200,
      ),
    ).toBeNull();
  });

  it("names what did not match", () => {
    expect(checkBody({ ...base, bodyContains: "nope" }, body, 5, 200)?.message).toBe("body does not contain nope");
    expect(checkBody({ ...base, json: { model: {} } }, body, 5, 200)?.reason).toBe("body_mismatch");
    expect(checkBody({ ...base, jsonPaths: [{ path: "$.model.ready", equals: false }] }, body, 5, 200)?.message).toBe(
      "$.model.ready is true, expected false",
    );
    expect(checkBody({ ...base, jsonPaths: [{ path: "$.x", exists: true }] }, body, 5, 200)?.message).toBe("$.x is missing");
    expect(checkBody({ ...base, jsonPaths: [{ path: "$.model", exists: false }] }, body, 5, 200)?.message).toBe("$.model should not exist");
    expect(checkBody({ ...base, json: 1 }, "<html>", 5, 200)?.reason).toBe("invalid_json");
  });
});

describe("URLs", () => {
  it("joins paths to a base that has a path prefix", () => {
    expect(resolveUrl("http://h:1/planes/a/", "/predict")).toBe("http://h:1/planes/a/predict");
    expect(resolveUrl(undefined, "https://x.test/readyz")).toBe("https://x.test/readyz");
    expect(() => resolveUrl(undefined, "/readyz")).toThrow(/baseUrl/);
  });
});
