import fc from "fast-check";
import { describe, expect, it } from "vitest";
import planes from "../../config/planes.json" with { type: "json" };
import { validateConfig, validateConfigText } from "../../src/config/validate.ts";
import { fuzzOptions, hostileText } from "../support/fuzz.ts";

/** The bundled config with one value somewhere replaced: near-valid configs reach the deep checks. */
function mutate(json: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || json === null || typeof json !== "object") return replacement;
  const entries = Object.entries(json);
  if (entries.length === 0) return replacement;
  const [key, child] = entries[path[0]! % entries.length]!;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(json) ? [...json] : { ...json };
  (copy as Record<string, unknown>)[key] = mutate(child, path.slice(1), replacement);
  return copy;
}

function expectConfigOrProblems(result: ReturnType<typeof validateConfig>): void {
  if (result.ok) return;
  expect(result.problems.length).toBeGreaterThan(0);
  for (const p of result.problems) {
    expect(typeof p.path).toBe("string");
    expect(p.message).not.toBe("");
  }
}

describe("fuzz: config loader", () => {
  it("turns any JSON into a valid config or problems with paths, never a throw", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (json) => expectConfigOrProblems(validateConfig(json))),
      fuzzOptions(5),
    );
  });

  it("does the same for the bundled config with any one value replaced", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), (path, replacement) =>
        expectConfigOrProblems(validateConfig(mutate(planes, path, replacement))),
      ),
      fuzzOptions(10),
    );
  });

  it("and for any text at all", () => {
    fc.assert(
      fc.property(hostileText(200), (text) => expectConfigOrProblems(validateConfigText(text))),
      fuzzOptions(5),
    );
  });
});
