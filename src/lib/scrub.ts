/**
 * Keeps credentials out of everything sent to Sentry. Pure: the caller says which secret
 * values exist; this removes them, and anything that looks like a credential, from a value of
 * any shape (an event, a breadcrumb).
 */

/** What stands where a credential was: the word Sentry's own scrubbing uses. */
export const FILTERED = "[Filtered]";

/**
 * Secret values shorter than this are not scrubbed by value: they would mangle ordinary text
 * (a secret "42" would take every 42 with it), and nothing that short is a credential.
 */
export const MIN_SECRET_CHARS = 6;

/** Keys whose value is a credential whatever it holds: auth and signature headers, cookies, tokens. */
const SENSITIVE_KEY =
  /^(?:authorization|proxy-authorization|cookies?|set-cookie|x-baseten-signature)$|password|passwd|secret|token|api[-_]?key|signature/i;

/** The credential after an HTTP auth scheme, wherever such a header was copied into text. */
const AUTH_SCHEME_CREDENTIAL = /\b(Api-Key|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;

/** Query parameters that carry credentials (?token=…, &api_key=…, &sig=…). */
const SENSITIVE_QUERY = /([?&][^=&#\s"']*(?:token|secret|signature|sig|password|api[-_]?key|auth)[^=&#\s"']*=)[^&#\s"']*/gi;

/** The SDK's working data, dropped before sending; it holds live objects (the Request) to leave alone. */
const SDK_INTERNAL_KEY = "sdkProcessingMetadata";

/** The config keys that name a Worker secret: `apiKeySecret`, `passwordSecret`, header `{secret: …}`, … */
function namesASecret(key: string): boolean {
  return key === "secret" || key.endsWith("Secret");
}

/**
 * Every secret name a config refers to, found by walking it for `secret` and `…Secret` keys,
 * so a new probe kind with its own secret field is covered without touching this file. Works
 * on raw, even invalid, config: what an invalid config names is still a secret.
 */
export function secretNamesIn(config: unknown): string[] {
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) {
        if (typeof child === "string" && namesASecret(key)) names.add(child);
        else walk(child);
      }
    }
  };
  walk(config);
  return [...names];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Forms of each list of secrets: the lists come cached from the env, and every probe result is scrubbed. */
const formsOf = new WeakMap<readonly string[], string[]>();

/** The forms a secret takes in text: as is, and percent-encoded in a URL. */
function secretForms(secrets: readonly string[]): string[] {
  let forms = formsOf.get(secrets);
  if (!forms) {
    const all = secrets.filter((s) => s.length >= MIN_SECRET_CHARS).flatMap((s) => [s, encodeURIComponent(s)]);
    // Longest first, so a secret containing another is removed whole.
    forms = [...new Set(all)].sort((a, b) => b.length - a.length);
    formsOf.set(secrets, forms);
  }
  return forms;
}

function scrubText(text: string, forms: readonly string[], tokenPaths: readonly RegExp[]): string {
  let scrubbed = text;
  for (const form of forms) scrubbed = scrubbed.split(form).join(FILTERED);
  scrubbed = scrubbed.replace(AUTH_SCHEME_CREDENTIAL, `$1 ${FILTERED}`).replace(SENSITIVE_QUERY, `$1${FILTERED}`);
  for (const path of tokenPaths) scrubbed = scrubbed.replace(path, `$1${FILTERED}`);
  return scrubbed;
}

/**
 * A copy of `value` with every known secret value, every credential-bearing key and every
 * credential-shaped piece of text replaced by "[Filtered]". `tokenPaths` are the caller's URL
 * paths that carry a credential: each (global) pattern keeps its first group and filters the
 * rest of its match. Objects other than plain ones and arrays (dates, requests) are kept as
 * they are.
 */
export function scrub<T>(value: T, secrets: readonly string[], tokenPaths: readonly RegExp[] = []): T {
  const forms = secretForms(secrets);
  const visit = (node: unknown): unknown => {
    if (typeof node === "string") return scrubText(node, forms, tokenPaths);
    if (Array.isArray(node)) return node.map(visit);
    if (!isPlainObject(node)) return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, child]) => {
        if (key === SDK_INTERNAL_KEY) return [key, child];
        if (SENSITIVE_KEY.test(key) && child !== undefined && child !== null) return [key, FILTERED];
        return [key, visit(child)];
      }),
    );
  };
  return visit(value) as T;
}
