import { readBodyLimited } from "../../lib/body.ts";
import { readStream } from "./stream.ts";
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
  /** Set when the body was read as a stream: when its first byte came, in milliseconds since the request started. */
  firstByteMs?: number;
}

/** Redirects followed, as the kubelet and browsers do; one more is a loop. */
const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Where a response sends a GET or HEAD next: a redirect to the same host (and port) is
 * followed, as the kubelet follows it; one that leaves the host is not, and its 3xx is judged
 * as it came (the kubelet counts it a success). Other methods are never re-sent.
 */
function sameHostRedirect(method: string, from: string, response: Response): string | undefined {
  if (!REDIRECT_STATUSES.has(response.status) || (method !== "GET" && method !== "HEAD")) return undefined;
  const location = response.headers.get("location");
  if (location === null) return undefined;
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    return undefined;
  }
  const origin = new URL(from);
  return next.protocol === origin.protocol && next.host === origin.host ? next.href : undefined;
}

/**
 * One HTTP request under the probe's deadline: the latency covers headers and the (bounded)
 * body, the way blackbox_exporter's probe_duration_seconds does. Same-host redirects of a GET
 * or HEAD are followed, at most MAX_REDIRECTS of them, within the same deadline.
 */
export async function exchange(ctx: ProbeContext, url: string, init: RequestInit, maxBodyBytes: number): Promise<Exchange | ProbeOutcome> {
  const started = Date.now();
  const method = (init.method ?? "GET").toUpperCase();
  const headers = withTraceHeaders(init.headers, ctx.trace);
  let response: Response;
  try {
    response = await ctx.fetch(url, { ...init, headers, redirect: "manual", signal: ctx.signal });
    for (let current = url, hops = 0; ; hops++) {
      const next = sameHostRedirect(method, current, response);
      if (next === undefined) break;
      await response.body?.cancel();
      if (hops === MAX_REDIRECTS) {
        return fail(
          "too_many_redirects",
          `more than ${MAX_REDIRECTS} redirects, the last to ${next}`,
          Date.now() - started,
          response.status,
        );
      }
      current = next;
      response = await ctx.fetch(current, { ...init, headers, redirect: "manual", signal: ctx.signal });
    }
  } catch (error) {
    return failFromError(error, Date.now() - started, ctx.signal);
  }
  try {
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
    if (ctx.signal.aborted) return failFromError(error, Date.now() - started, ctx.signal);
    // The headers came, then the connection ended before the body did.
    const message = `the connection closed in the middle of the body: ${error instanceof Error ? error.message : String(error)}`;
    return fail("connection_closed", message, Date.now() - started, response.status);
  }
}

/**
 * The same exchange with the body read as it streams (a model that streams its answer): the
 * first byte's time is kept, and the latency covers the body to its end or the limit. A body
 * cut off at the deadline is a timeout.
 */
export async function streamedExchange(
  ctx: ProbeContext,
  url: string,
  init: RequestInit,
  maxBodyBytes: number,
): Promise<Exchange | ProbeOutcome> {
  const started = Date.now();
  try {
    const response = await ctx.fetch(url, { ...init, redirect: "manual", signal: ctx.signal });
    const chunks: Uint8Array[] = [];
    const read = await readStream(response, { maxBytes: maxBodyBytes, signal: ctx.signal, started }, (chunk) => {
      chunks.push(chunk.slice());
      return true;
    });
    if (read.timedOut) {
      const waited = read.firstByteMs === undefined ? "no byte of the body" : `first byte after ${Math.round(read.firstByteMs)} ms`;
      return {
        ...fail("timeout", `the body did not end within the timeout (${waited})`, read.endMs, response.status),
        figures: figuresOf(read.firstByteMs),
      };
    }
    if (read.closed) {
      return fail("connection_closed", "the connection closed in the middle of the body", read.endMs, response.status);
    }
    const bytes = new Uint8Array(read.size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return {
      status: response.status,
      headers: response.headers,
      bytes,
      body: new TextDecoder().decode(bytes),
      truncated: read.truncated,
      latencyMs: read.endMs,
      ...(read.firstByteMs === undefined ? {} : { firstByteMs: read.firstByteMs }),
    };
  } catch (error) {
    return failFromError(error, Date.now() - started, ctx.signal);
  }
}

const figuresOf = (firstByteMs: number | undefined) => (firstByteMs === undefined ? {} : { timeToFirstByteMs: firstByteMs });

export function isExchange(value: Exchange | ProbeOutcome): value is Exchange {
  return "body" in value;
}

/**
 * Status first, then the body: the verdict of a response against its expectations. What the
 * body says is checked as it came; what a message quotes of it is redacted first.
 */
export function judge(expect: Expect, ex: Exchange, redact: (text: string) => string): ProbeOutcome {
  const outcome = judgeBody(expect, ex, redact);
  return ex.firstByteMs === undefined ? outcome : { ...outcome, figures: figuresOf(ex.firstByteMs) };
}

function judgeBody(expect: Expect, ex: Exchange, redact: (text: string) => string): ProbeOutcome {
  if (!statusMatches(ex.status, expect.status)) {
    return fail("unexpected_status", `status ${ex.status}, expected ${expect.status}`, ex.latencyMs, ex.status);
  }
  const jsonChecked = expect.json !== undefined || expect.jsonPaths !== undefined;
  if ((jsonChecked || expect.bodyContains !== undefined) && ex.truncated) {
    return fail("body_too_large", "body exceeds maxBodyBytes; not checked", ex.latencyMs, ex.status);
  }
  // JSON is UTF-8 (RFC 8259): a lossy decoding could still parse, and pass, with U+FFFD in it.
  if (jsonChecked && !isUtf8(ex.bytes)) {
    return fail("invalid_json", "body is not valid UTF-8, so not JSON", ex.latencyMs, ex.status);
  }
  return checkBody(expect, ex.body, ex.latencyMs, ex.status, redact) ?? pass(ex.latencyMs, `status ${ex.status}`, ex.status);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
