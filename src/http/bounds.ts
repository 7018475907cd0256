import { createMiddleware } from "hono/factory";
import { readBytesLimited } from "../lib/body.ts";
import type { AppEnv } from "./middleware.ts";
import { problem } from "./problem.ts";

/**
 * Bounds every request meets before any route: what a stranger can send the mesh is limited
 * in size before it costs parsing, storage or CPU. Each refusal is a problem naming the
 * `bound` and its `limit` (docs/security.md says why each number).
 */
export const REQUEST_BOUNDS = {
  /** Characters of the URL: the longest legitimate one is a /federate with a few selectors. */
  urlLength: 16 * 1024,
  /** Bytes of all header names and values: a browser with cookies sends a few KiB. */
  headerBytes: 32 * 1024,
  /** Bytes of a POST body: a heartbeat carries none; the webhook receiver has its own, larger bound. */
  bodyBytes: 16 * 1024,
} as const;

/** A sender that trickles its body is cut off. */
export const BODY_TIMEOUT_MS = 10_000;

/**
 * POST routes that read their own body under their own bound while it streams, because a
 * refusal there is part of their protocol: the webhook receiver (src/async/route.ts) reads
 * up to 264 KiB and counts what it refuses as `too_large`.
 */
const OWN_BODY_BOUND = /^\/webhooks\/async\//;

function headerBytes(headers: Headers): number {
  let bytes = 0;
  for (const [name, value] of headers) bytes += name.length + value.length + 4;
  return bytes;
}

/**
 * URL and header sizes for every request; for every POST, the body read while it streams (a
 * Content-Length may lie or be absent) up to its bound, then handed on as bytes already read.
 */
export const requestBounds = createMiddleware<AppEnv>(async (c, next) => {
  const { urlLength, headerBytes: maxHeaderBytes, bodyBytes } = REQUEST_BOUNDS;
  if (c.req.url.length > urlLength) {
    return problem(c, 414, "URL too long", `The URL is ${c.req.url.length} characters, more than ${urlLength}.`, {
      bound: "urlLength",
      limit: urlLength,
    });
  }
  const headers = headerBytes(c.req.raw.headers);
  if (headers > maxHeaderBytes) {
    return problem(c, 431, "Headers too large", `The headers are ${headers} bytes, more than ${maxHeaderBytes}.`, {
      bound: "headerBytes",
      limit: maxHeaderBytes,
    });
  }
  if (c.req.method !== "POST" || OWN_BODY_BOUND.test(c.req.path)) return next();
  const tooLarge = () =>
    problem(c, 413, "Body too large", `A POST body may be at most ${bodyBytes} bytes.`, { bound: "bodyBytes", limit: bodyBytes });
  // A declared length over the bound is refused unread; a smaller one is not trusted: the bytes are counted.
  if (Number(c.req.header("content-length") ?? 0) > bodyBytes) return tooLarge();
  const read = await readBytesLimited(c.req.raw, bodyBytes, AbortSignal.timeout(BODY_TIMEOUT_MS)).catch(() => null);
  if (read === null) return problem(c, 408, "Body not received", `The body did not arrive within ${BODY_TIMEOUT_MS / 1000} s.`);
  if (read.truncated) return tooLarge();
  c.req.raw = new Request(c.req.raw, { body: read.bytes });
  return next();
});
