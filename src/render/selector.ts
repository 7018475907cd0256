import { compileRe2 } from "../lib/re2.ts";

/**
 * PromQL series selectors, as `/federate?match[]=` takes them: `name`, `name{label op "value", …}`
 * or `{label op "value", …}` with the operators `=`, `!=`, `=~`, `!~` (regexes anchored, RE2,
 * matched in linear time by src/lib/re2.ts). Like Prometheus, a selector must hold at least one
 * matcher that does not match the empty string, so that no selector matches everything by accident.
 */

/**
 * What one request may ask: a scrape's work is (series × matchers), and each regex costs its
 * program size per character of a value, so every factor is bounded. Prometheus's own
 * federation jobs send a handful of short selectors; these are far above that.
 */
export const SELECTOR_BOUNDS = {
  /** `match[]` parameters of one request. */
  selectors: 32,
  /** Characters of one selector. */
  selectorLength: 2048,
  /** Matchers of one selector. */
  matchers: 128,
  /** Characters of one regex. */
  regexLength: 1024,
  /**
   * Instructions of one compiled regex: twice what the longest regex without counted
   * repetitions compiles to, so only repetitions (`x{1000}`) can reach it.
   */
  programSize: 2048,
} as const;

export type SelectorBound = keyof typeof SELECTOR_BOUNDS;

class BoundExceeded extends Error {
  readonly bound: SelectorBound;
  constructor(bound: SelectorBound, message: string) {
    super(message);
    this.bound = bound;
  }
}

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
  matches: (value: string) => boolean;
}

export type SelectorResult =
  | { ok: true; matchers: Matcher[] }
  | { ok: false; error: string; bound?: { name: SelectorBound; limit: number } };

const METRIC_NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const OPERATOR = /=~|!~|!=|=/y;
const SPACE = /\s*/y;

/** `\xhh`, `\uhhhh` and `\Uhhhhhhhh`: how many hex digits follow the letter. */
const HEX_ESCAPE_DIGITS: Record<string, number> = { x: 2, u: 4, U: 8 };
const SIMPLE_ESCAPES: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\" };

class SyntaxProblem extends Error {}

/** A cursor over the selector text; every method skips leading whitespace. */
class Reader {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  private skipSpace(): void {
    SPACE.lastIndex = this.pos;
    SPACE.exec(this.text);
    this.pos = SPACE.lastIndex;
  }

  fail(expected: string): never {
    this.skipSpace();
    const found = this.pos < this.text.length ? `"${this.text[this.pos]}"` : "the end";
    throw new SyntaxProblem(`expected ${expected} at position ${this.pos + 1}, found ${found}`);
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  take(token: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }

  match(pattern: RegExp): string | undefined {
    this.skipSpace();
    pattern.lastIndex = this.pos;
    const m = pattern.exec(this.text);
    if (!m) return undefined;
    this.pos = pattern.lastIndex;
    return m[0];
  }

  /** A PromQL string: "…" or '…' with Go escapes, or `…` taken literally. */
  string(): string {
    this.skipSpace();
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'" && quote !== "`") this.fail("a quoted label value");
    const start = this.pos;
    let i = this.pos + 1;
    let value = "";
    while (i < this.text.length && this.text[i] !== quote) {
      if (quote === "`" || this.text[i] !== "\\") {
        if (quote !== "`" && this.text[i] === "\n") break;
        value += this.text[i++];
        continue;
      }
      const [char, next] = unescapeGo(this.text, i, quote);
      value += char;
      i = next;
    }
    if (this.text[i] !== quote) throw new SyntaxProblem(`unterminated string starting at position ${start + 1}`);
    this.pos = i + 1;
    return value;
  }
}

/** One Go escape sequence at text[i] (the backslash) inside a string quoted with `quote`. */
function unescapeGo(text: string, i: number, quote: string): [string, number] {
  const c = text[i + 1] ?? "";
  if (c in SIMPLE_ESCAPES) return [SIMPLE_ESCAPES[c]!, i + 2];
  if (c === quote) return [c, i + 2];
  const hexDigits = HEX_ESCAPE_DIGITS[c];
  if (hexDigits !== undefined) {
    const digits = text.slice(i + 2, i + 2 + hexDigits);
    if (new RegExp(`^[0-9A-Fa-f]{${hexDigits}}$`).test(digits)) return [String.fromCodePoint(parseInt(digits, 16)), i + 2 + hexDigits];
  }
  const octal = /^[0-7]{3}/.exec(text.slice(i + 1));
  if (octal) return [String.fromCharCode(parseInt(octal[0], 8)), i + 4];
  throw new SyntaxProblem(`invalid escape sequence \\${c} at position ${i + 1}`);
}

/**
 * A regex matcher answers from a memo after the first time it meets a value: a scrape sees the
 * same few label values (a region, a metric name) on thousands of series, so each regex runs
 * at most once per distinct value. A selector lives for one request, and so does its memo.
 */
function memoized(matches: (value: string) => boolean): (value: string) => boolean {
  const seen = new Map<string, boolean>();
  return (value) => {
    let answer = seen.get(value);
    if (answer === undefined) {
      answer = matches(value);
      seen.set(value, answer);
    }
    return answer;
  };
}

function matcher(label: string, op: MatchOp, value: string): Matcher {
  if (op === "=") return { label, op, value, matches: (v) => v === value };
  if (op === "!=") return { label, op, value, matches: (v) => v !== value };
  if (value.length > SELECTOR_BOUNDS.regexLength) {
    throw new BoundExceeded(
      "regexLength",
      `the regex of ${label} is ${value.length} characters long, more than ${SELECTOR_BOUNDS.regexLength}`,
    );
  }
  const compiled = compileRe2(value, SELECTOR_BOUNDS.programSize);
  if (!compiled.ok) {
    const message = `regex "${value}" of ${label}: ${compiled.error}`;
    throw compiled.programSize ? new BoundExceeded("programSize", message) : new SyntaxProblem(message);
  }
  const { matches } = compiled;
  return { label, op, value, matches: memoized(op === "=~" ? matches : (v) => !matches(v)) };
}

/** Parses one series selector; the error says what is wrong and where. */
export function parseSelector(text: string): SelectorResult {
  if (text.length > SELECTOR_BOUNDS.selectorLength) {
    return exceeded("selectorLength", `the selector is ${text.length} characters long, more than ${SELECTOR_BOUNDS.selectorLength}`);
  }
  const reader = new Reader(text);
  const matchers: Matcher[] = [];
  const add = (label: string, op: MatchOp, value: string) => {
    if (matchers.length === SELECTOR_BOUNDS.matchers) {
      throw new BoundExceeded("matchers", `the selector has more than ${SELECTOR_BOUNDS.matchers} matchers`);
    }
    matchers.push(matcher(label, op, value));
  };
  try {
    if (reader.atEnd()) return { ok: false, error: "the selector is empty" };
    const name = reader.match(METRIC_NAME);
    if (name !== undefined) add("__name__", "=", name);
    if (reader.take("{")) {
      while (!reader.take("}")) {
        const label = reader.match(LABEL_NAME) ?? reader.fail("a label name or }");
        if (label === "__name__" && name !== undefined) {
          throw new SyntaxProblem(`the metric name is set twice: "${name}" and a __name__ matcher`);
        }
        const op = (reader.match(OPERATOR) ?? reader.fail("a matcher operator (=, !=, =~ or !~)")) as MatchOp;
        add(label, op, reader.string());
        if (reader.take("}")) break;
        if (!reader.take(",")) reader.fail(", or }");
      }
    } else if (name === undefined) {
      reader.fail("a metric name or {");
    }
    if (!reader.atEnd()) reader.fail("the end of the selector");
  } catch (error) {
    if (error instanceof SyntaxProblem) return { ok: false, error: error.message };
    if (error instanceof BoundExceeded) return exceeded(error.bound, error.message);
    throw error;
  }
  if (matchers.every((m) => m.matches(""))) {
    return { ok: false, error: 'it needs at least one matcher that does not match the empty string, like a metric name or {plane="x"}' };
  }
  return { ok: true, matchers };
}

function exceeded(bound: SelectorBound, error: string): SelectorResult {
  return { ok: false, error, bound: { name: bound, limit: SELECTOR_BOUNDS[bound] } };
}

export type SelectorsResult =
  | { ok: true; selectors: Matcher[][] }
  | { ok: false; problems: Array<{ selector: string; message: string }>; bound?: { name: SelectorBound; limit: number } };

/**
 * The `match[]` selectors of one request, each parsed, or every problem with them; a bound
 * exceeded is named (the first one met), so that a client can tell "too much" from "malformed".
 */
export function parseSelectors(texts: readonly string[]): SelectorsResult {
  if (texts.length > SELECTOR_BOUNDS.selectors) {
    return {
      ok: false,
      problems: [{ selector: "", message: `${texts.length} match[] selectors, more than ${SELECTOR_BOUNDS.selectors}` }],
      bound: { name: "selectors", limit: SELECTOR_BOUNDS.selectors },
    };
  }
  const selectors: Matcher[][] = [];
  const problems: Array<{ selector: string; message: string }> = [];
  let bound: { name: SelectorBound; limit: number } | undefined;
  for (const text of texts) {
    const result = parseSelector(text);
    if (result.ok) selectors.push(result.matchers);
    else {
      problems.push({ selector: text, message: result.error });
      bound ??= result.bound;
    }
  }
  return problems.length > 0 ? { ok: false, problems, bound } : { ok: true, selectors };
}

/**
 * Whether a series matches every matcher of a selector. A label the series does not have
 * reads as the empty string, as in Prometheus (`{x=""}` matches series without `x`).
 */
export function selectorMatches(matchers: readonly Matcher[], name: string, labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => m.matches(m.label === "__name__" ? name : (labels[m.label] ?? "")));
}
