import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An error answer as RFC 9457 problem details; `extra` adds members such as `problems`. */
export function problem<S extends ContentfulStatusCode, X extends object = object>(
  c: Context,
  status: S,
  title: string,
  detail: string,
  extra?: X,
) {
  return c.json({ type: "about:blank", title, status, detail, ...extra }, status, { "content-type": "application/problem+json" });
}
