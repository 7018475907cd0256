import { describe, expect, it } from "vitest";
import { newTrace, TRACEPARENT_PATTERN, withTraceHeaders } from "../../src/probes/wire/trace.ts";

describe("probe request trace", () => {
  it("is a valid W3C traceparent (version 00, sampled) and a UUID X-Request-ID, new each time", () => {
    const a = newTrace();
    const b = newTrace();
    expect(a.traceparent).toMatch(TRACEPARENT_PATTERN);
    expect(a.traceparent.endsWith("-01")).toBe(true);
    expect(a.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.traceparent).not.toBe(a.traceparent);
    expect(b.requestId).not.toBe(a.requestId);
  });

  it("goes on the request's headers, leaving a header the probe's config sets itself", () => {
    const trace = newTrace();
    const headers = withTraceHeaders({ authorization: "Api-Key k" }, trace);
    expect(headers.get("traceparent")).toBe(trace.traceparent);
    expect(headers.get("x-request-id")).toBe(trace.requestId);
    expect(headers.get("authorization")).toBe("Api-Key k");
    expect(withTraceHeaders({ "X-Request-ID": "from-config" }, trace).get("x-request-id")).toBe("from-config");
  });
});
