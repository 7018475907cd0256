import { Validator, type Schema } from "@cfworker/json-schema";
import { z } from "zod";
import { compileRe2, type Re2Result } from "../../lib/re2.ts";
import type { ReasonCode } from "../../status/reasons.ts";
import { excerpt } from "../outcome.ts";

/**
 * Checks of a text a target sent (a model's answer, a TCP reply): a substring, an RE2 regular
 * expression (linear time whatever the pattern and the text) or, for JSON-mode answers, a JSON
 * Schema.
 */

const MAX_PATTERN_CHARS = 1000;
const MAX_SCHEMA_CHARS = 16 * 1024;
/**
 * Instructions a pattern may compile to: a pattern of MAX_PATTERN_CHARS without counted
 * repetitions stays well below; `x{1000}`-style repetitions, whose compiling alone takes
 * seconds, do not.
 */
const MAX_PROGRAM_SIZE = 4096;

/** A matcher of the pattern anywhere in a text, or why RE2 refuses it. */
export function searchPattern(pattern: string): Re2Result {
  return compileRe2(pattern, MAX_PROGRAM_SIZE, "anywhere");
}

/** A regular expression from the config, refused at load time unless RE2 compiles it within the bound. */
export const re2PatternSchema = z
  .string()
  .min(1)
  .max(MAX_PATTERN_CHARS)
  .superRefine((pattern, ctx) => {
    const compiled = searchPattern(pattern);
    if (!compiled.ok) ctx.addIssue({ code: "custom", message: `not an RE2 regular expression: ${compiled.error}` });
  });

export const contentExpectFields = {
  contains: z.string().min(1).max(MAX_PATTERN_CHARS).optional().describe("A substring the answer's content must contain."),
  regex: re2PatternSchema
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
    const compiled = searchPattern(expect.regex);
    if (!compiled.ok || !compiled.matches(content)) {
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
