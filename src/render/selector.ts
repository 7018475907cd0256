import { compileRe2 } from "../lib/re2.ts";

/**
 * PromQL series selectors, as `/federate?match[]=` takes them: `name`, `name{label op "value", …}`
 * or `{label op "value", …}` with the operators `=`, `!=`, `=~`, `!~` (regexes anchored, RE2).
 * Like Prometheus, a selector must hold at least one matcher that does not match the empty
 * string, so that no selector matches everything by accident.
 */

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
  matches: (value: string) => boolean;
}

export type SelectorResult = { ok: true; matchers: Matcher[] } | { ok: false; error: string };

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

function matcher(label: string, op: MatchOp, value: string): Matcher | string {
  if (op === "=") return { label, op, value, matches: (v) => v === value };
  if (op === "!=") return { label, op, value, matches: (v) => v !== value };
  const compiled = compileRe2(value);
  if (!compiled.ok) return `regex "${value}" of ${label}: ${compiled.error}`;
  const { regex } = compiled;
  return { label, op, value, matches: op === "=~" ? (v) => regex.test(v) : (v) => !regex.test(v) };
}

/** Parses one series selector; the error says what is wrong and where. */
export function parseSelector(text: string): SelectorResult {
  const reader = new Reader(text);
  const matchers: Matcher[] = [];
  const add = (label: string, op: MatchOp, value: string) => {
    const m = matcher(label, op, value);
    if (typeof m === "string") throw new SyntaxProblem(m);
    matchers.push(m);
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
    throw error;
  }
  if (matchers.every((m) => m.matches(""))) {
    return { ok: false, error: 'it needs at least one matcher that does not match the empty string, like a metric name or {plane="x"}' };
  }
  return { ok: true, matchers };
}

/**
 * Whether a series matches every matcher of a selector. A label the series does not have
 * reads as the empty string, as in Prometheus (`{x=""}` matches series without `x`).
 */
export function selectorMatches(matchers: readonly Matcher[], name: string, labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => m.matches(m.label === "__name__" ? name : (labels[m.label] ?? "")));
}
