import { Validator, type Schema } from "@cfworker/json-schema";
import { RE2JS } from "re2js";
import { z } from "zod";
import type { ReasonCode } from "../../status/reasons.ts";
import { excerpt } from "../outcome.ts";

/**
 * Checks of a generated text (a model's answer): a substring, an RE2 regular expression (linear
 * time whatever the pattern and the text) or, for JSON-mode answers, a JSON Schema.
 */

const MAX_PATTERN_CHARS = 1000;
const MAX_SCHEMA_CHARS = 16 * 1024;

/** The compiled pattern, or why RE2 refuses it. */
function compileRegex(pattern: string): RE2JS | string {
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export const contentExpectFields = {
  contains: z.string().min(1).max(MAX_PATTERN_CHARS).optional().describe("A substring the answer's content must contain."),
  regex: z
    .string()
    .min(1)
    .max(MAX_PATTERN_CHARS)
    .superRefine((pattern, ctx) => {
      const compiled = compileRegex(pattern);
      if (typeof compiled === "string") ctx.addIssue({ code: "custom", message: `not an RE2 regular expression: ${compiled}` });
    })
    .optional()
    .describe("An RE2 regular expression that must match somewhere in the content (anchor it with ^…$ for all of it)."),
  jsonSchema: z
    .record(z.string(), z.json())
    .refine((schema) => JSON.stringify(schema).length <= MAX_SCHEMA_CHARS, `at most ${MAX_SCHEMA_CHARS} characters of JSON`)
    .optional()
    .describe("The content, parsed as JSON (JSON mode), must validate against this JSON Schema (draft 2020-12)."),
};

export interface ContentExpect {
  contains?: string | undefined;
  regex?: string | undefined;
  jsonSchema?: Record<string, unknown> | undefined;
}

/** Why the content fails the checks, or null when it passes them. What a message quotes of it is redacted first. */
export function checkContent(
  expect: ContentExpect,
  content: string,
  redact: (text: string) => string,
): { reason: ReasonCode; message: string } | null {
  const quote = (text: string) => JSON.stringify(excerpt(text, redact));
  if (expect.contains !== undefined && !content.includes(expect.contains)) {
    return { reason: "body_mismatch", message: `the answer ${quote(content)} does not contain ${quote(expect.contains)}` };
  }
  if (expect.regex !== undefined) {
    const compiled = compileRegex(expect.regex);
    if (typeof compiled === "string" || !compiled.test(content)) {
      return { reason: "body_mismatch", message: `the answer ${quote(content)} does not match ${quote(expect.regex)}` };
    }
  }
  if (expect.jsonSchema !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch {
      return { reason: "invalid_json", message: `the answer is not JSON: ${quote(content)}` };
    }
    const result = new Validator(expect.jsonSchema as Schema, "2020-12", true).validate(parsed);
    if (!result.valid) {
      const first = result.errors.at(-1);
      return {
        reason: "body_mismatch",
        message: `the answer does not fit the JSON Schema: ${quote(first ? `${first.instanceLocation} ${first.error}` : "invalid")}`,
      };
    }
  }
  return null;
}
