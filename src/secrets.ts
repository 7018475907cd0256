import bundledConfig from "../config/planes.json" with { type: "json" };
import { WEBHOOK_TOKEN_PATH } from "./async/token.ts";
import type { Env } from "./env.ts";
import { scrub, secretNamesIn } from "./lib/scrub.ts";

/** Secrets are looked up by the name the config gives; only strings count as set. */
export function readSecret(env: Env, name: string): string | undefined {
  const value = (env as unknown as Record<string, unknown>)[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Environment variables whose name says they hold a credential, secret-named in config or not. */
const SECRET_LIKE_NAME = /(?:KEY|SECRET|TOKEN|PASSWORD|DSN)$/;

/** The config the mesh runs, as raw JSON: an invalid config still names secrets. */
function rawConfig(env: Env): unknown {
  if (env.PLANES_CONFIG === undefined) return bundledConfig;
  try {
    return JSON.parse(env.PLANES_CONFIG);
  } catch {
    return undefined;
  }
}

/** The parts of the DSN that authenticate: its public key (and a legacy secret key). */
function dsnCredentials(dsn: string): string[] {
  try {
    const url = new URL(dsn);
    return [url.username, url.password].filter((part) => part !== "");
  } catch {
    return [];
  }
}

/** Per environment object (stable within an isolate or object): its secret values, found once. */
const secretsOf = new WeakMap<Env, readonly string[]>();

/**
 * Every secret value this Worker holds: those the config names (any `secret`/`…Secret` field),
 * those whose variable name says credential, and the DSN's own credentials.
 */
export function secretValues(env: Env): readonly string[] {
  let values = secretsOf.get(env);
  if (!values) {
    values = findSecretValues(env);
    secretsOf.set(env, values);
  }
  return values;
}

/** Replaces every secret value this Worker holds in a text: for whatever the mesh stores or shows. */
export function redactSecrets(env: Env): (text: string) => string {
  return (text) => scrubSecrets(env, text);
}

/** URL paths whose segments are credentials themselves: the webhook tokens. */
const TOKEN_PATHS = [WEBHOOK_TOKEN_PATH];

/** A copy of any value (a text, a Sentry event) with every secret and credential-shaped text filtered (src/lib/scrub.ts). */
export function scrubSecrets<T>(env: Env, value: T): T {
  return scrub(value, secretValues(env), TOKEN_PATHS);
}

function findSecretValues(env: Env): string[] {
  const names = new Set([...secretNamesIn(rawConfig(env)), ...Object.keys(env).filter((name) => SECRET_LIKE_NAME.test(name))]);
  const values = [...names].flatMap((name) => readSecret(env, name) ?? []);
  return [...values, ...dsnCredentials(env.SENTRY_DSN ?? "")];
}

/**
 * Errors are logged through here: an error's text can carry anything (a URL with a webhook
 * token, a header a plane echoed back), and no secret value or credential may reach a log.
 */
export function logError(env: Env, message: string): void {
  console.error(redactSecrets(env)(message));
}
