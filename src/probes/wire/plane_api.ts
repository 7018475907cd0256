import type { Exchange } from "./exchange.ts";
import { credentialsMissing, fail } from "../outcome.ts";
import type { ProbeContext, ProbeOutcome } from "../types.ts";

/**
 * What every call to a plane's inference API shares: JSON with `Authorization: Api-Key …`
 * (or `Bearer …`),
 * and answers that mean the identity or the health-check model is wrong whatever the endpoint.
 */

/** How the API key is sent: `Api-Key` is the platform's scheme, `Bearer` the OpenAI-compatible one. */
export const AUTH_SCHEMES = ["Bearer", "Api-Key"] as const;
export type AuthScheme = (typeof AUTH_SCHEMES)[number];

/** The headers of a call, or the outcome when the plane's API key secret is not set. */
export function apiHeaders(ctx: ProbeContext, scheme: AuthScheme = "Api-Key"): Headers | ProbeOutcome {
  const headers = new Headers({ "content-type": "application/json" });
  if (ctx.apiKey) {
    if (ctx.apiKey.value === undefined) return credentialsMissing(ctx.apiKey.secretName);
    headers.set("authorization", `${scheme} ${ctx.apiKey.value}`);
  }
  return headers;
}

/**
 * A rejected identity (401/403) reads NO_USER, a missing health-check model (404,
 * MODEL_DOES_NOT_EXIST) NO_ORACLE, as in the runbook; null for any other answer.
 */
export function refusal(ex: Exchange): ProbeOutcome | null {
  if (ex.status === 401 || ex.status === 403) {
    return fail("unauthorized", `the plane refused the probe identity (${ex.status})`, ex.latencyMs, ex.status);
  }
  if (ex.status === 404 || ex.body.includes("MODEL_DOES_NOT_EXIST")) {
    return fail("model_not_found", `the health-check model does not exist (${ex.status})`, ex.latencyMs, ex.status);
  }
  return null;
}
