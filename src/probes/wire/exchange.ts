import { readBodyLimited } from "../../lib/body.ts";
import { readStream } from "./stream.ts";
import { checkBody, statusMatches, type Expect } from "./expect.ts";
import { fail, failFromError, pass } from "../outcome.ts";
import type { ProbeContext, ProbeOutcome } from "../types.ts";

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

/**
 * One HTTP request under the probe's deadline: the latency covers headers and the (bounded)
 * body, the way blackbox_exporter's probe_duration_seconds does. Redirects are not followed:
 * Kubernetes counts a 3xx as success, and following one could leave the plane.
 */
export async function exchange(ctx: ProbeContext, url: string, init: RequestInit, maxBodyBytes: number): Promise<Exchange | ProbeOutcome> {
  const started = Date.now();
  try {
    const response = await ctx.fetch(url, { ...init, redirect: "manual", signal: ctx.signal });
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
  const bodyChecked = expect.bodyContains !== undefined || expect.json !== undefined || expect.jsonPaths !== undefined;
  if (bodyChecked && ex.truncated) {
    return fail("body_too_large", "body exceeds maxBodyBytes; not checked", ex.latencyMs, ex.status);
  }
  return checkBody(expect, ex.body, ex.latencyMs, ex.status, redact) ?? pass(ex.latencyMs, `status ${ex.status}`, ex.status);
}
