import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { compileRe2, estimateProgramSize } from "../../src/lib/re2.ts";
import { parseSelector, parseSelectors, SELECTOR_BOUNDS, selectorMatches } from "../../src/render/selector.ts";
import { expectBoundedProblem, fuzzOptions, fuzzTimeout, hostileText } from "../support/fuzz.ts";

/** Regexes built from RE2's grammar, so that most compile and reach the matcher. */
const regex: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
  re: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom("a", "b", ".", "\\w", "\\d", "\\s", "[a-c]", "[^x]", "\\pL", "[[:alpha:]]", "\\Q.*\\E", "é", "😀", "", "\\\\", "\\n"),
    fc.tuple(tie("re"), tie("re")).map(([a, b]) => a + b),
    fc.tuple(tie("re"), tie("re")).map(([a, b]) => `${a}|${b}`),
    tie("re").map((a) => `(${a})`),
    tie("re").map((a) => `(?:${a})`),
    tie("re").map((a) => `(?i)${a}`),
    fc.tuple(tie("re"), fc.constantFrom("*", "+", "?", "*?", "{2}", "{1,3}", "{0,}", "{50}", "{1000}")).map(([a, op]) => `(?:${a})${op}`),
  ),
})).re;

const labelValue = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("us-east", "workload_plane_health_status", "", "a\nb"));

describe("fuzz: selector parser and RE2 matcher", () => {
  it("parses any text without throwing: a selector or a reason", () => {
    fc.assert(
      fc.property(hostileText(300), (text) => {
        const parsed = parseSelector(text);
        if (!parsed.ok) expect(parsed.error).not.toBe("");
        else selectorMatches(parsed.matchers, "up", { plane: text });
      }),
      fuzzOptions(5),
    );
  });

  it("compiles any regex from RE2's grammar, or refuses it, never throwing; the estimate never undercounts", () => {
    fc.assert(
      fc.property(fc.oneof(regex, hostileText(40)), fc.array(labelValue, { maxLength: 5 }), (pattern, values) => {
        const compiled = compileRe2(pattern, SELECTOR_BOUNDS.programSize);
        if (!compiled.ok) return;
        // What passed the estimate compiled no larger than it said.
        expect(estimateProgramSize(pattern)).toBeGreaterThanOrEqual(RE2JS.compile(pattern, RE2JS.DOTALL).programSize());
        for (const value of values) {
          expect(compiled.matches(value)).toBe(RE2JS.compile(`(?s:${pattern})`).matches(value));
        }
      }),
      fuzzOptions(5),
    );
  });

  it("agrees with JavaScript's RegExp on patterns both read alike", () => {
    // Letters, classes, groups, alternation and repetition mean the same in both dialects.
    const shared = fc.letrec<{ re: string }>((tie) => ({
      re: fc.oneof(
        { depthSize: "small" },
        fc.constantFrom("a", "b", ".", "[ab]", "\\d"),
        fc.tuple(tie("re"), tie("re")).map(([a, b]) => a + b),
        fc.tuple(tie("re"), tie("re")).map(([a, b]) => `(?:${a}|${b})`),
        fc.tuple(tie("re"), fc.constantFrom("*", "+", "?", "{2}", "{1,3}")).map(([a, op]) => `(?:${a})${op}`),
      ),
    })).re;
    fc.assert(
      fc.property(shared, fc.string({ unit: fc.constantFrom("a", "b", "1", "\n"), maxLength: 8 }), (pattern, value) => {
        const compiled = compileRe2(pattern, SELECTOR_BOUNDS.programSize);
        if (!compiled.ok) throw new Error(`${pattern}: ${compiled.error}`);
        expect(compiled.matches(value)).toBe(new RegExp(`^(?:${pattern})$`, "su").test(value));
      }),
      fuzzOptions(5),
    );
  });

  it(
    "answers any match[] set on /federate with 200 or a bounded 400, never a 5xx",
    async () => {
      const selector = fc.oneof(
        hostileText(80),
        fc
          .tuple(fc.constantFrom("", "up", "probe_success"), regex, fc.constantFrom("=~", "!~"))
          .map(([name, re, op]) => `${name}{plane${op}\`${re}\`}`),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(selector, { minLength: 1, maxLength: 40 }), async (selectors) => {
          const query = selectors.map((s) => `match[]=${encodeURIComponent(s)}`).join("&");
          const res = await exports.default.fetch(`http://mesh/federate?${query}`);
          await expectBoundedProblem(res, [200, 400, 414]);
          // The route and the parser agree on what is refused.
          if (res.status !== 414) expect(res.status === 200, query).toBe(parseSelectors(selectors).ok);
        }),
        fuzzOptions(),
      );
    },
    fuzzTimeout(200),
  );
});
