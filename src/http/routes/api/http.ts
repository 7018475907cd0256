import { type Hook, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { ActiveMaintenance } from "../../../status/maintenance.ts";
import type { AppEnv } from "../../middleware.ts";
import { problem } from "../../problem.ts";
import { invalidConfigProblemSchema, invalidRequestProblemSchema, problemSchema } from "./schemas.ts";

/** Times in answers: RFC 3339 in UTC. */
export const iso = (ms: number) => new Date(ms).toISOString();

/** A maintenance window (or a note of one) with its times in RFC 3339; null for none. */
export function windowJson<W extends ActiveMaintenance>(
  window: W | null | undefined,
): (Omit<W, "from" | "until"> & { from: string; until: string }) | null {
  return window ? { ...window, from: iso(window.from), until: iso(window.until) } : null;
}

/** Error answers every route may document, as RFC 9457 problems. */
const ERRORS = {
  400: {
    description: "A parameter is invalid; `problems` says which and why.",
    content: { "application/problem+json": { schema: invalidRequestProblemSchema } },
  },
  401: {
    description: "API_READ_TOKEN is set and the request lacks `Authorization: Bearer <it>`.",
    content: { "application/problem+json": { schema: problemSchema } },
  },
  403: {
    description: "Admin actions are closed: the Worker has no ADMIN_TOKEN secret.",
    content: { "application/problem+json": { schema: problemSchema } },
  },
  404: {
    description: "No such plane is configured; the detail names /api/v1/status, which lists them.",
    content: { "application/problem+json": { schema: problemSchema } },
  },
  413: {
    description: "The request body is larger than the endpoint takes.",
    content: { "application/problem+json": { schema: problemSchema } },
  },
  503: {
    description:
      "The planes config is invalid, so nothing is probed; `problems` lists what is wrong. Or, on routes that read the " +
      "history, D1 cannot be read right now (title `History unavailable`): retry after `Retry-After` seconds.",
    content: { "application/problem+json": { schema: z.union([invalidConfigProblemSchema, problemSchema]) } },
  },
} as const;

export function errors<C extends keyof typeof ERRORS>(...codes: C[]): Pick<typeof ERRORS, C> {
  return Object.fromEntries(codes.map((code) => [code, ERRORS[code]])) as Pick<typeof ERRORS, C>;
}

export const NOT_MODIFIED = { 304: { description: "Not modified: the `If-None-Match` ETag is still current." } } as const;

/** The API's read token, optional: `{}` lets a request in without it when the Worker has none. */
export const READ_SECURITY: Array<Record<string, string[]>> = [{ readToken: [] }, {}];

/** Turns a request that fails its zod schema into a 400 problem naming each parameter. */
export const invalidRequest: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (result.success) return;
  const problems = result.error.issues.map((i) => ({ parameter: i.path.join(".") || String(result.target), message: i.message }));
  return problem(c, 400, "Invalid request", "Some parameters are invalid.", { problems });
};

/**
 * Sets Cache-Control on successful answers (and so on their 304s): `no-cache` where the answer
 * changes with every probe result (revalidate with the ETag), a short max-age where it is read
 * from D1 and a few seconds of staleness saves reads.
 */
export function cacheFor(value: "no-cache" | `max-age=${number}`) {
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    if (c.res.ok) c.res.headers.set("cache-control", value);
  });
}
