import type { z } from "zod";
import { configSchema, type Config } from "./schema.ts";

/** One problem with a config: where (a JSON path such as `planes[0].probes[1].url`) and why. */
export interface ConfigProblem {
  path: string;
  message: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(key))) out += out === "" ? String(key) : `.${String(key)}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === "" ? "(root)" : out;
}

/** Flattens zod issues, descending into union branches so a user sees the field at fault. */
function problemsOf(issues: ReadonlyArray<z.core.$ZodIssue>, prefix: ReadonlyArray<PropertyKey> = []): ConfigProblem[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // Several branches failed: show the one that got furthest (fewest problems).
      const branches = issue.errors.map((errors) => problemsOf(errors, path));
      return branches.reduce((best, b) => (b.length < best.length ? b : best));
    }
    return [{ path: formatPath(path), message: issue.message }];
  });
}

/** Validates config text: JSON syntax first, then the schema, every problem listed. */
export function validateConfigText(text: string): ConfigResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [{ path: "(root)", message: `not valid JSON: ${(error as Error).message}` }] };
  }
  return validateConfig(json);
}

export function validateConfig(json: unknown): ConfigResult {
  const parsed = configSchema.safeParse(json, {
    error: (issue) => (issue.code === "invalid_type" && issue.input === undefined ? "required" : undefined),
  });
  return parsed.success ? { ok: true, config: parsed.data } : { ok: false, problems: problemsOf(parsed.error.issues) };
}
