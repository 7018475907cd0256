import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./middleware.ts";
import { problem } from "./problem.ts";
import { readSecret } from "../secrets.ts";

function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

/** Compares in constant time; hashing both sides first keeps even the token's length from leaking. */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, if that is what it holds. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
}

/**
 * Wants `Authorization: Bearer <token>` matching the named Worker secret, when that secret is
 * set; without it the endpoints stay open. A refusal is a 401 problem with `WWW-Authenticate`.
 */
export function requireBearer(secret: "METRICS_TOKEN" | "API_READ_TOKEN") {
  return createMiddleware<AppEnv>(async (c, next) => {
    const expected = readSecret(c.env, secret);
    if (expected === undefined) return next();
    const given = bearerToken(c.req.header("authorization"));
    if (given !== undefined && (await sameSecret(given, expected))) return next();
    c.header("www-authenticate", 'Bearer realm="planewatch"');
    return problem(
      c,
      401,
      "Unauthorized",
      given === undefined
        ? `This endpoint wants "Authorization: Bearer <token>" with the token of ${secret}.`
        : "The bearer token is wrong.",
    );
  });
}

/** What the transitions history records as the author of an admin action: the one credential there is. */
export const ADMIN_IDENTITY = "admin token";

/**
 * Admin actions want `Authorization: Bearer <ADMIN_TOKEN>`. Unlike the read tokens, an unset
 * secret closes them (403) rather than opening them: a mesh never takes writes from anyone.
 */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const expected = readSecret(c.env, "ADMIN_TOKEN");
  if (expected === undefined) {
    return problem(c, 403, "Forbidden", "Admin actions are closed: the Worker has no ADMIN_TOKEN secret (docs/maintenance.md).");
  }
  const given = bearerToken(c.req.header("authorization"));
  if (given !== undefined && (await sameSecret(given, expected))) return next();
  c.header("www-authenticate", 'Bearer realm="planewatch admin"');
  return problem(
    c,
    401,
    "Unauthorized",
    given === undefined
      ? 'Admin actions want "Authorization: Bearer <token>" with the token of ADMIN_TOKEN.'
      : "The bearer token is wrong.",
  );
});
