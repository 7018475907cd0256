/**
 * RE2 regular expressions (the dialect of PromQL's `=~` and `!~`) as JavaScript RegExps,
 * anchored at both ends as Prometheus anchors them. Constructs RE2 refuses (backreferences,
 * lookaround) are refused here too instead of silently meaning something else, and RE2 syntax
 * JavaScript spells differently (`(?P<name>`, `\pL`, `\A`, `\z`, `\Q…\E`, `[[:alpha:]]`) is
 * translated. `.` matches a newline too, as in Prometheus 3.
 */

export type Re2Result = { ok: true; regex: RegExp } | { ok: false; error: string };

/** Characters that keep their backslash in JavaScript's unicode mode. */
const SYNTAX = new Set([..."^$\\.*+?()[]{}|/"]);
const CLASS_SYNTAX = new Set([...SYNTAX, "-"]);

/** Escapes that mean the same in both dialects. */
const SAME_ESCAPES = new Set([..."dDwWsSbBfnrtv"]);

const POSIX_CLASSES: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`\\{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

/** Go's regexp refuses repetition counts above this. */
const MAX_REPEAT = 1000;

function escapeLiteral(text: string): string {
  return text.replace(/[\^$\\.*+?()[\]{}|/]/g, "\\$&");
}

class Refused extends Error {}

/** Translates one escape starting at pattern[i] (the backslash); returns the JS text and the next index. */
function translateEscape(pattern: string, i: number, inClass: boolean): [string, number] {
  const c = pattern[i + 1];
  if (c === undefined) throw new Refused("a trailing backslash escapes nothing");
  if (/[0-9]/.test(c)) throw new Refused(`\\${c}: backreferences and octal escapes are not supported (RE2 has none)`);
  if (SAME_ESCAPES.has(c)) {
    if (inClass && (c === "b" || c === "B")) throw new Refused(`\\${c} is not allowed inside a character class`);
    return [`\\${c}`, i + 2];
  }
  if (c === "a") return ["\\x07", i + 2];
  if (!inClass && c === "A") return ["^", i + 2];
  if (!inClass && c === "z") return ["$", i + 2];
  if (c === "x") {
    const braced = /^\{([0-9A-Fa-f]{1,6})\}/.exec(pattern.slice(i + 2));
    if (braced) return [`\\u{${braced[1]}}`, i + 2 + braced[0].length];
    const short = /^[0-9A-Fa-f]{2}/.exec(pattern.slice(i + 2));
    if (short) return [`\\x${short[0]}`, i + 4];
    throw new Refused("\\x needs two hex digits or {hex}");
  }
  if (c === "p" || c === "P") {
    const m = /^(?:\{(\^?)([A-Za-z_]+)\}|([A-Za-z]))/.exec(pattern.slice(i + 2));
    if (!m) throw new Refused(`\\${c} needs a Unicode class name, like \\${c}L or \\${c}{Greek}`);
    const negated = (c === "P") !== (m[1] === "^");
    const name = m[2] ?? m[3]!;
    // One- and two-letter names are general categories; longer ones are scripts.
    const property = name.length <= 2 ? name : `Script=${name}`;
    return [`\\${negated ? "P" : "p"}{${property}}`, i + 2 + m[0].length];
  }
  if (!inClass && c === "Q") {
    const end = pattern.indexOf("\\E", i + 2);
    const literal = pattern.slice(i + 2, end === -1 ? undefined : end);
    return [escapeLiteral(literal), end === -1 ? pattern.length : end + 2];
  }
  if (/[A-Za-z]/.test(c)) throw new Refused(`\\${c} is not an escape RE2 knows`);
  // Escaped punctuation is a literal; unicode mode keeps the backslash only before syntax characters.
  return [(inClass ? CLASS_SYNTAX : SYNTAX).has(c) ? `\\${c}` : c, i + 2];
}

function translateClass(pattern: string, start: number): [string, number] {
  let i = start + 1;
  let out = "[";
  if (pattern[i] === "^") (out += "^"), i++;
  // A `]` first in the class is a literal in RE2.
  if (pattern[i] === "]") (out += "\\]"), i++;
  while (i < pattern.length && pattern[i] !== "]") {
    const posix = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
    if (posix) {
      const range = POSIX_CLASSES[posix[2]!];
      if (range === undefined) throw new Refused(`[:${posix[2]}:] is not a POSIX class`);
      if (posix[1] === "^") throw new Refused(`negated POSIX classes ([:^${posix[2]}:]) are not supported`);
      out += range;
      i += posix[0].length;
    } else if (pattern[i] === "\\") {
      const [text, next] = translateEscape(pattern, i, true);
      out += text;
      i = next;
    } else {
      out += pattern[i] === "[" ? "\\[" : pattern[i];
      i++;
    }
  }
  if (i >= pattern.length) throw new Refused("missing ] to close a character class");
  return [`${out}]`, i + 1];
}

function translateGroup(pattern: string, i: number): [string, number] {
  const rest = pattern.slice(i);
  if (/^\(\?(?:=|!|<=|<!)/.test(rest)) throw new Refused("lookahead and lookbehind are not supported (RE2 has none)");
  const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
  if (named) return [`(?<${named[1]}>`, i + named[0].length];
  if (rest.startsWith("(?:")) return ["(?:", i + 3];
  if (rest.startsWith("(?")) throw new Refused("inline flags are supported only as a leading (?i) or (?s)");
  return ["(", i + 1];
}

function translateBrace(pattern: string, i: number): [string, number] {
  const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
  if (!m) return ["\\{", i + 1]; // not a repetition: a literal brace, as in RE2
  if (Number(m[1]) > MAX_REPEAT || (m[3] !== undefined && m[3] !== "" && Number(m[3]) > MAX_REPEAT)) {
    throw new Refused(`repetition counts above ${MAX_REPEAT} are refused, as RE2 does`);
  }
  return [m[0], i + m[0].length];
}

/** The anchored JavaScript RegExp for an RE2 pattern, or why it cannot be one. */
export function compileRe2(pattern: string): Re2Result {
  const flags = /^\(\?([is]+)\)/.exec(pattern);
  const caseless = flags?.[1]?.includes("i") ?? false;
  let i = flags ? flags[0].length : 0;
  let out = "";
  try {
    while (i < pattern.length) {
      const c = pattern[i]!;
      let text: string;
      if (c === "\\") [text, i] = translateEscape(pattern, i, false);
      else if (c === "[") [text, i] = translateClass(pattern, i);
      else if (c === "(") [text, i] = translateGroup(pattern, i);
      else if (c === "{") [text, i] = translateBrace(pattern, i);
      else if (c === "}" || c === "/") [text, i] = [`\\${c}`, i + 1];
      else [text, i] = [c, i + 1];
      out += text;
    }
    return { ok: true, regex: new RegExp(`^(?:${out})$`, caseless ? "sui" : "su") };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, error: error.message };
    if (error instanceof SyntaxError) return { ok: false, error: `not a valid regular expression (${error.message})` };
    throw error;
  }
}
