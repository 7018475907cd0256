import { readBodyLimited } from "../../lib/body.ts";
import { checkBody, statusMatches, type Expect } from "./expect.ts";
import { fail, failFromError, pass } from "../outcome.ts";
import type { ProbeContext, ProbeOutcome } from "../types.ts";
import { withTraceHeaders } from "./trace.ts";

export interface Exchange {
  status: number;
  headers: Headers;
  /** The body as it came (at most the limit), and decoded as UTF-8 text. */
  bytes: Uint8Array;
  body: string;
  truncated: boolean;
  latencyMs: number;
}

/**
 * One HTTP request under the probe's deadline: the latency covers headers and the (bounded)
 * body, the way blackbox_exporter's probe_duration_seconds does. Redirects are not followed:
 * Kubernetes counts a 3xx as success, and following one could leave the plane.
 */
export async function exchange(ctx: ProbeContext, url: string, init: RequestInit, maxBodyBytes: number): Promise<Exchange | ProbeOutcome> {
  const started = Date.now();
  try {
    const headers = withTraceHeaders(init.headers, ctx.trace);
    const response = await ctx.fetch(url, { ...init, headers, redirect: "manual", signal: ctx.signal });
    const { bytes, text, truncated } = await readBodyLimited(response, maxBodyBytes, ctx.signal);
    return {
      status: response.status,
      headers: response.headers,
      bytes,
      body: text,
      truncated,
      latencyMs: Date.now() - started,
    };
  } catch (error) {
    return failFromError(error, Date.now() - started, ctx.signal);
  }
}

export function isExchange(value: Exchange | ProbeOutcome): value is Exchange {
  return "body" in value;
}

/**
 * Status first, then the body: the verdict of a response against its expectations. What the
 * body says is checked as it came; what a message quotes of it is redacted first.
 */
export function judge(expect: Expect, ex: Exchange, redact: (text: string) => string): ProbeOutcome {
  if (!statusMatches(ex.status, expect.status)) {
    return fail("unexpected_status", `status ${ex.status}, expected ${expect.status}`, ex.latencyMs, ex.status);
  }
  const bodyChecked = expect.bodyContains !== undefined || expect.json !== undefined || expect.jsonPaths !== undefined;
  if (bodyChecked && ex.truncated) {
    return fail("body_too_large", "body exceeds maxBodyBytes; not checked", ex.latencyMs, ex.status);
  }
  return checkBody(expect, ex.body, ex.latencyMs, ex.status, redact) ?? pass(ex.latencyMs, `status ${ex.status}`, ex.status);
}
