import { describe, expect, it } from "vitest";
import { compileRe2 } from "../../src/lib/re2.ts";
import { parseSelector, selectorMatches } from "../../src/render/selector.ts";

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
    expect(errorOf('{plane=~"(a)\\\\1"}')).toBe(
      'regex "(a)\\1" of plane: \\1: backreferences and octal escapes are not supported (RE2 has none)',
    );
    expect(errorOf('{plane=~"a(?=b)"}')).toMatch(/lookahead and lookbehind are not supported/);
    expect(errorOf('{plane!~"(?<!a)b"}')).toMatch(/lookahead and lookbehind are not supported/);
    expect(errorOf('{plane=~"a(b"}')).toMatch(/^regex "a\(b" of plane: not a valid regular expression/);
  });
});

describe("RE2 regexes in JavaScript", () => {
  const test = (pattern: string, value: string) => {
    const compiled = compileRe2(pattern);
    if (!compiled.ok) throw new Error(compiled.error);
    return compiled.regex.test(value);
  };

  it("translates RE2 syntax JavaScript spells differently", () => {
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
    expect(test("\\-\\_\\'", "-_'")).toBe(true);
    expect(test("[]a]+", "]a")).toBe(true);
    expect(test("a.b", "a\nb")).toBe(true);
  });

  it("refuses what RE2 has not", () => {
    expect(compileRe2("\\k<x>")).toEqual({ ok: false, error: "\\k is not an escape RE2 knows" });
    expect(compileRe2("a(?i)b")).toEqual({ ok: false, error: "inline flags are supported only as a leading (?i) or (?s)" });
    expect(compileRe2("a{1001}")).toEqual({ ok: false, error: "repetition counts above 1000 are refused, as RE2 does" });
    expect(compileRe2("[a")).toEqual({ ok: false, error: "missing ] to close a character class" });
    expect(compileRe2("[[:nope:]]")).toEqual({ ok: false, error: "[:nope:] is not a POSIX class" });
  });
});
