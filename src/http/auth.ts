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
 * The password of an `Authorization: Basic base64(user:password)` header, if that is what it
 * holds: how a browser sends the read token for the status pages (any user name).
 */
export function basicPassword(authorization: string | undefined): string | undefined {
  const encoded = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? "")?.[1];
  if (encoded === undefined) return undefined;
  try {
    const decoded = new TextDecoder().decode(Uint8Array.from(atob(encoded), (ch) => ch.charCodeAt(0)));
    const colon = decoded.indexOf(":");
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  } catch {
    return undefined;
  }
}

/**
 * The read token's challenges: Basic, so that a browser asks for the token once and sends it
 * again to every page and to the API (same realm), and Bearer for API clients. Basic comes
 * first: a browser that reads the headers joined into one line takes the first scheme.
 */
export const READ_CHALLENGES = ['Basic realm="planewatch"', 'Bearer realm="planewatch"'] as const;

/**
 * Wants the named Worker secret, when it is set; without it the endpoints stay open. The token
 * comes as `Authorization: Bearer <token>`, or, for the read token, also as the password of
 * Basic authentication: a browser asks for it once on the status page and then sends it with
 * the page's own requests (the JSON status, the event stream, badges). A refusal is a 401
 * problem whose `WWW-Authenticate` offers what is accepted.
 */
export function requireBearer(secret: "METRICS_TOKEN" | "API_READ_TOKEN") {
  const acceptsBasic = secret === "API_READ_TOKEN";
  return createMiddleware<AppEnv>(async (c, next) => {
    const expected = readSecret(c.env, secret);
    if (expected === undefined) return next();
    const authorization = c.req.header("authorization");
    const given = bearerToken(authorization) ?? (acceptsBasic ? basicPassword(authorization) : undefined);
    if (given !== undefined && (await sameSecret(given, expected))) return next();
    for (const challenge of acceptsBasic ? READ_CHALLENGES : ['Bearer realm="planewatch"']) {
      c.header("www-authenticate", challenge, { append: true });
    }
    return problem(
      c,
      401,
      "Unauthorized",
      given === undefined
        ? `This endpoint wants "Authorization: Bearer <token>" with the token of ${secret}${acceptsBasic ? " (or Basic authentication with it as the password)" : ""}.`
        : "The token is wrong.",
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
