import { z } from "zod";
import { maxLatencyMsSchema } from "../common.ts";
import { excerpt, fail } from "../outcome.ts";
import type { ProbeOutcome } from "../types.ts";

// ---- status codes -------------------------------------------------------------------------

const STATUS_LIST = /^\s*\d{3}(\s*-\s*\d{3})?(\s*,\s*\d{3}(\s*-\s*\d{3})?)*\s*$/;

/** `200`, `"200-399"` or `"200,204,300-302"`. */
export const statusSpecSchema = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(STATUS_LIST, 'expected a code or ranges such as "200-399" or "200,204"'),
]);
export type StatusSpec = z.infer<typeof statusSpecSchema>;

export function statusMatches(code: number, spec: StatusSpec): boolean {
  if (typeof spec === "number") return code === spec;
  return spec.split(",").some((part) => {
    const [low, high = low] = part.split("-").map((s) => Number(s.trim()));
    return code >= low! && code <= high!;
  });
}

// ---- JSON paths ---------------------------------------------------------------------------

/** `$`, `$.a.b`, `$.items[0].name`, `$["key with spaces"]`: enough to point into a response. */
const PATH_SEGMENT = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/y;

export function parseJsonPath(path: string): Array<string | number> | null {
  if (!path.startsWith("$")) return null;
  const segments: Array<string | number> = [];
  PATH_SEGMENT.lastIndex = 1;
  while (PATH_SEGMENT.lastIndex < path.length) {
    const start = PATH_SEGMENT.lastIndex;
    const m = PATH_SEGMENT.exec(path);
    if (!m || m.index !== start) return null;
    segments.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : JSON.parse(`"${m[3]}"`)));
  }
  return segments;
}

export const jsonPathSchema = z
  .string()
  .refine((p) => parseJsonPath(p) !== null, 'expected a path such as "$.output.label" or "$.items[0]"');

function lookup(value: unknown, segments: Array<string | number>): { found: boolean; value: unknown } {
  let current = value;
  for (const segment of segments) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, segment)) {
      return { found: false, value: undefined };
    }
    current = (current as Record<string | number, unknown>)[segment];
  }
  return { found: true, value: current };
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return (
    keysA.length === keysB.length &&
    keysA.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

// ---- response expectations ----------------------------------------------------------------

export const jsonPathCheckSchema = z
  .object({
    path: jsonPathSchema,
    equals: z.json().optional().describe("The value at the path must equal this JSON value."),
    exists: z.boolean().optional().describe("true: the path must exist; false: it must not."),
  })
  .strict();

/** What a response must look like. `status` defaults per probe kind. */
export function expectSchema(defaultStatus: StatusSpec) {
  return z
    .object({
      status: statusSpecSchema.default(defaultStatus).describe('Accepted HTTP statuses: 200, "200-399" or "200,204".'),
      bodyContains: z.string().min(1).optional().describe("A substring the body must contain."),
      json: z.json().optional().describe("The whole body, parsed as JSON, must equal this value."),
      jsonPaths: z
        .array(jsonPathCheckSchema)
        .optional()
        .describe('Checks of single values: [{"path": "$.output.label", "equals": "ok"}], {"path": …, "exists": false}.'),
      maxLatencyMs: maxLatencyMsSchema,
    })
    .strict()
    .default({ status: defaultStatus })
    .describe("What the response must be.");
}
export type Expect = z.infer<ReturnType<typeof expectSchema>>;

/**
 * Checks a body against the expectations; null when it satisfies them. A failure quotes a
 * little of what it saw, redacted before it is cut (so no part of a secret survives the cut).
 */
export function checkBody(
  expect: Expect,
  body: string,
  latencyMs: number,
  httpStatus: number,
  redact: (text: string) => string = (text) => text,
): ProbeOutcome | null {
  const quote = (value: unknown): string => excerpt(typeof value === "string" ? value : (JSON.stringify(value) ?? "undefined"), redact);
  if (expect.bodyContains !== undefined && !body.includes(expect.bodyContains)) {
    return fail("body_mismatch", `body does not contain ${quote(expect.bodyContains)}`, latencyMs, httpStatus);
  }
  if (expect.json === undefined && expect.jsonPaths === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return fail("invalid_json", `body is not JSON: ${quote(body)}`, latencyMs, httpStatus);
  }
  if (expect.json !== undefined && !deepEqual(parsed, expect.json)) {
    return fail("body_mismatch", `body ${quote(parsed)} is not the expected ${quote(expect.json)}`, latencyMs, httpStatus);
  }
  for (const check of expect.jsonPaths ?? []) {
    const { found, value } = lookup(parsed, parseJsonPath(check.path)!);
    if (check.exists === false && found) {
      return fail("body_mismatch", `${check.path} should not exist`, latencyMs, httpStatus);
    }
    if (check.exists !== false && !found && (check.exists === true || check.equals !== undefined)) {
      return fail("body_mismatch", `${check.path} is missing`, latencyMs, httpStatus);
    }
    if (check.equals !== undefined && !deepEqual(value, check.equals)) {
      return fail("body_mismatch", `${check.path} is ${quote(value)}, expected ${quote(check.equals)}`, latencyMs, httpStatus);
    }
  }
  return null;
}

// ---- URLs and bodies ----------------------------------------------------------------------

/** Where an HTTP request goes: an absolute URL, or a path joined to the plane's baseUrl. */
export const urlOrPathSchema = z
  .string()
  .regex(/^(https?:\/\/[^\s]+|\/[^\s]*)$/i, "expected an http(s) URL, or a path starting with / (joined to the plane's baseUrl)");

/** Joins a path onto a base URL that may itself carry a path prefix. */
export function resolveUrl(baseUrl: string | undefined, urlOrPath: string): string {
  if (/^https?:\/\//i.test(urlOrPath)) return urlOrPath;
  if (baseUrl === undefined) throw new Error(`relative URL ${urlOrPath} needs the plane's baseUrl`);
  return baseUrl.replace(/\/+$/, "") + urlOrPath;
}
