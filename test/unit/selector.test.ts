import { RE2JS } from "re2js";
import { describe, expect, it, vi } from "vitest";
import { compileRe2, estimateProgramSize } from "../../src/lib/re2.ts";
import { parseSelector, parseSelectors, SELECTOR_BOUNDS, selectorMatches } from "../../src/render/selector.ts";

function selector(text: string) {
  const parsed = parseSelector(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.error}`);
  return parsed.matchers;
}

function errorOf(text: string): string {
  const parsed = parseSelector(text);
  if (parsed.ok) throw new Error(`${text} was accepted`);
  return parsed.error;
}

const STATUS = "workload_plane_health_status";
const matches = (text: string, name: string, labels: Record<string, string> = {}) => selectorMatches(selector(text), name, labels);

describe("series selectors", () => {
  it("matches a bare metric name", () => {
    expect(matches(STATUS, STATUS, { plane: "a" })).toBe(true);
    expect(matches(STATUS, "probe_success", { plane: "a" })).toBe(false);
  });

  it("applies each matcher: =, !=, =~, !~, all of them together", () => {
    const labels = { plane: "us-east", status: "OK" };
    expect(matches(`${STATUS}{plane="us-east"}`, STATUS, labels)).toBe(true);
    expect(matches(`${STATUS}{plane="us"}`, STATUS, labels)).toBe(false);
    expect(matches(`${STATUS}{status!="OK"}`, STATUS, labels)).toBe(false);
    expect(matches(`${STATUS}{status!="FAILED"}`, STATUS, labels)).toBe(true);
    expect(matches(`${STATUS}{plane=~"us-.*"}`, STATUS, labels)).toBe(true);
    expect(matches(`${STATUS}{plane!~"us-.*"}`, STATUS, labels)).toBe(false);
    expect(matches(`${STATUS}{plane!~"eu-.*"}`, STATUS, labels)).toBe(true);
    expect(matches(`${STATUS}{plane=~"us-.*", status="OK", region!="x"}`, STATUS, labels)).toBe(true);
    expect(matches(`${STATUS}{plane=~"us-.*", status="FAILED"}`, STATUS, labels)).toBe(false);
  });

  it("anchors regexes at both ends, as Prometheus does", () => {
    expect(matches('{plane=~"east"}', "x", { plane: "us-east" })).toBe(false);
    expect(matches('{plane=~"us-east|eu-west"}', "x", { plane: "eu-west" })).toBe(true);
    expect(matches('{plane=~"us-east|eu-west"}', "x", { plane: "eu-west-2" })).toBe(false);
  });

  it("matches __name__ like any label, with every operator", () => {
    expect(matches('{__name__="probe_success"}', "probe_success")).toBe(true);
    expect(matches('{__name__=~"probe_.*"}', "probe_duration_seconds")).toBe(true);
    expect(matches('{__name__=~"probe_.*", __name__!="probe_success"}', "probe_success")).toBe(false);
    expect(matches('{__name__!~"probe_.*", plane="a"}', "workload_plane_health_status", { plane: "a" })).toBe(true);
  });

  it("reads a missing label as empty", () => {
    expect(matches('up{region=""}', "up", {})).toBe(true);
    expect(matches('up{region!=""}', "up", {})).toBe(false);
    expect(matches('up{region=~"w.*|"}', "up", {})).toBe(true);
  });

  it("takes whitespace, a trailing comma, and all three PromQL string quotes with their escapes", () => {
    expect(selector(" up { a = \"x\" , b != 'y' , c =~ `z\\d` , } ").map((m) => [m.label, m.op, m.value])).toEqual([
      ["__name__", "=", "up"],
      ["a", "=", "x"],
      ["b", "!=", "y"],
      ["c", "=~", "z\\d"],
    ]);
    expect(selector('up{a="q\\"\\\\\\n\\t\\u00e9\\x41\\101"}')[1]!.value).toBe('q"\\\n\téAA');
    expect(selector("up{a='it\\'s'}")[1]!.value).toBe("it's");
    expect(matches('{a="line\\nbreak"}', "x", { a: "line\nbreak" })).toBe(true);
  });

  it("refuses a selector that matches everything", () => {
    expect(errorOf("{}")).toMatch(/at least one matcher that does not match the empty string/);
    expect(errorOf('{plane=""}')).toMatch(/at least one matcher that does not match the empty string/);
    expect(errorOf('{plane=~".*"}')).toMatch(/at least one matcher that does not match the empty string/);
    expect(errorOf('{plane!="x"}')).toMatch(/at least one matcher that does not match the empty string/);
    expect(parseSelector('{plane=~".+"}').ok).toBe(true);
  });

  it("says what is wrong with a malformed selector, and where", () => {
    expect(errorOf("")).toBe("the selector is empty");
    expect(errorOf("   ")).toBe("the selector is empty");
    expect(errorOf('up{plane="a"')).toBe("expected , or } at position 13, found the end");
    expect(errorOf("up{plane}")).toBe('expected a matcher operator (=, !=, =~ or !~) at position 9, found "}"');
    expect(errorOf('up{plane=="a"}')).toBe('expected a quoted label value at position 10, found "="');
    expect(errorOf("up{plane=a}")).toBe('expected a quoted label value at position 10, found "a"');
    expect(errorOf('up{plane="a}')).toBe("unterminated string starting at position 10");
    expect(errorOf('up{"plane"="a"}')).toBe('expected a label name or } at position 4, found """');
    expect(errorOf('up{plane="a"} x')).toBe('expected the end of the selector at position 15, found "x"');
    expect(errorOf("9up")).toBe('expected a metric name or { at position 1, found "9"');
    expect(errorOf('up{plane="\\q"}')).toBe("invalid escape sequence \\q at position 11");
    expect(errorOf('up{__name__="x"}')).toBe('the metric name is set twice: "up" and a __name__ matcher');
    expect(errorOf("up{,}")).toBe('expected a label name or } at position 4, found ","');
  });

  it("refuses regexes RE2 refuses, naming the construct", () => {
    expect(errorOf('{plane=~"(a)\\\\1"}')).toBe('regex "(a)\\1" of plane: invalid escape sequence: `\\1`');
    expect(errorOf('{plane=~"a(?=b)"}')).toBe('regex "a(?=b)" of plane: invalid or unsupported Perl syntax: `(?=`');
    expect(errorOf('{plane!~"(?<!a)b"}')).toMatch(/^regex "\(\?<!a\)b" of plane: invalid named capture/);
    expect(errorOf('{plane=~"a(b"}')).toBe('regex "a(b" of plane: missing closing ): `a(b`');
  });

  it("names the bound a selector exceeds, with its limit", () => {
    const boundOf = (text: string) => {
      const parsed = parseSelector(text);
      return parsed.ok ? undefined : parsed.bound;
    };
    expect(boundOf(`up{plane="${"x".repeat(SELECTOR_BOUNDS.selectorLength)}"}`)).toEqual({ name: "selectorLength", limit: 2048 });
    expect(boundOf(`{${Array.from({ length: 129 }, (_, i) => `l${i}="v"`).join(",")}}`)).toEqual({ name: "matchers", limit: 128 });
    expect(boundOf(`up{plane=~"${"x".repeat(1025)}"}`)).toEqual({ name: "regexLength", limit: 1024 });
    expect(boundOf('up{plane=~"(?:x{1000}){2}"}')).toEqual({ name: "programSize", limit: 2048 });
    expect(boundOf('up{plane=~"x{1000}"}')).toBeUndefined();
    expect(boundOf('up{plane=~"a(b"}')).toBeUndefined();
    const many = parseSelectors(Array.from({ length: 33 }, () => "up"));
    expect(many.ok ? undefined : many.bound).toEqual({ name: "selectors", limit: 32 });
    const mixed = parseSelectors(["up", 'up{a=~"("}', `up{a=~"${"x".repeat(2000)}"}`]);
    expect(mixed).toMatchObject({ ok: false, bound: { name: "regexLength" } });
    expect(mixed.ok ? [] : mixed.problems.map((p) => p.message.slice(0, 10))).toEqual(['regex "(" ', "the regex "]);
  });

  it("runs each regex once per distinct value", () => {
    const runs = vi.spyOn(RE2JS.prototype, "testExact");
    try {
      const matchers = selector('up{plane=~"us-.*", region!~"w.*"}');
      runs.mockClear();
      for (let i = 0; i < 100; i++) {
        selectorMatches(matchers, "up", { plane: i % 2 ? "us-east" : "eu-west", region: "wnam" });
      }
      // us-east and eu-west for the first, wnam for the second (and only when the first matched).
      expect(runs).toHaveBeenCalledTimes(3);
    } finally {
      runs.mockRestore();
    }
  });
});

describe("RE2 regexes", () => {
  const test = (pattern: string, value: string) => {
    const compiled = compileRe2(pattern, SELECTOR_BOUNDS.programSize);
    if (!compiled.ok) throw new Error(compiled.error);
    return compiled.matches(value);
  };

  it("takes RE2 syntax, anchored at both ends, with . matching a newline", () => {
    expect(test("(?P<region>w.*)", "wnam")).toBe(true);
    expect(test("(?i)us-EAST", "US-east")).toBe(true);
    expect(test("\\Aab\\z", "ab")).toBe(true);
    expect(test("[[:digit:]]+-[[:alpha:]_]+", "42-ab_c")).toBe(true);
    expect(test("[[:digit:]]+", "4a")).toBe(false);
    expect(test("\\pL+", "Größe")).toBe(true);
    expect(test("\\p{Greek}+", "αβγ")).toBe(true);
    expect(test("\\PL", "1")).toBe(true);
    expect(test("\\Q.*+\\E", ".*+")).toBe(true);
    expect(test("\\Q.*+\\E", "abc")).toBe(false);
    expect(test("a{2}", "aa")).toBe(true);
    expect(test("a{", "a{")).toBe(true);
    expect(test("[]a]+", "]a")).toBe(true);
    expect(test("a.b", "a\nb")).toBe(true);
    expect(test("east", "us-east")).toBe(false);
    expect(test("a(?i)b", "aB")).toBe(true);
  });

  it("refuses what RE2 refuses", () => {
    expect(compileRe2("\\k<x>", 2048)).toEqual({ ok: false, error: "invalid escape sequence: `\\k`" });
    expect(compileRe2("a{1001}", 2048)).toMatchObject({ ok: false, error: "invalid repeat count: `{1001}`" });
    expect(compileRe2("[a", 2048)).toEqual({ ok: false, error: "missing closing ]: `[a`" });
    expect(compileRe2("[[:nope:]]", 2048)).toEqual({ ok: false, error: "invalid character class range: `[:nope:]`" });
  });

  it("refuses a program over the bound before compiling it", () => {
    const refused = compileRe2(Array(146).fill("a{1000}").join(""), 2048);
    expect(refused).toMatchObject({ ok: false, programSize: { limit: 2048 } });
    expect(estimateProgramSize("a{1000}")).toBeGreaterThanOrEqual(1001);
  });

  it("matches the pathological pattern of a backtracking engine in linear time", () => {
    // On V8's RegExp each of these takes 2^n steps: minutes for a metric name, forever for these.
    const compiled = compileRe2("(\\w|\\w)*!", 2048);
    if (!compiled.ok) throw new Error(compiled.error);
    for (const n of [30, 1_000, 10_000]) expect(compiled.matches("a".repeat(n))).toBe(false);
    expect(compiled.matches(`${"a".repeat(10_000)}!`)).toBe(true);
  });
});
