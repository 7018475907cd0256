import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An error answer as RFC 9457 problem details. */
export function problem(
  c: Context,
  status: ContentfulStatusCode,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Response {
  return c.body(JSON.stringify({ type: "about:blank", title, status, detail, ...extra }), status, {
    "content-type": "application/problem+json",
  });
}
