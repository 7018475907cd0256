import { RE2JS, RE2JSException } from "re2js";

/**
 * RE2 regular expressions (the dialect of PromQL's `=~` and `!~`) on re2js, a port of RE2
 * whose matching takes time linear in the input, whatever the pattern: a regex from outside
 * cannot make a request run for minutes, as `(\w|\w)*!` does on a backtracking engine, and a
 * text from outside (a target's reply) cannot either. A pattern matches either the whole value,
 * as Prometheus anchors it (`^(?:re)$`, with `.` matching a newline too), or anywhere in it, as
 * a search does.
 *
 * Compiling expands counted repetitions (`a{1000}` is a thousand instructions, and compiling
 * that many copies of something large takes seconds), so the program size is bounded twice:
 * estimated from the text before compiling, and measured after.
 */

export type Re2Result =
  | { ok: true; matches: (value: string) => boolean }
  | { ok: false; error: string; programSize?: { size: number; limit: number } };

/** Go's regexp, and so Prometheus, refuses repetition counts above this. */
const MAX_REPEAT = 1000;

/** Instructions of every program, whatever the pattern: the whole match's two captures, its end, the failure. */
const PROGRAM_FRAME = 4;

/** `{n}`, `{n,}` or `{n,m}` at the start of a text: a counted repetition (anything else is a literal brace). */
const REPEAT = /^\{(\d+)(,(\d*))?\}/;

/** The length of a character class starting at pattern[start] (the `[`), up to and with its `]`. */
function classLength(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === "^") i++;
  // A `]` first in the class is a literal.
  if (pattern[i] === "]") i++;
  while (i < pattern.length && pattern[i] !== "]") {
    const posix = /^\[:\^?[a-z]*:\]/.exec(pattern.slice(i, i + 12));
    if (posix) i += posix[0].length;
    else i += pattern[i] === "\\" ? 2 : 1;
  }
  return i + 1 - start;
}

/** The length of an escape starting at pattern[i] (the backslash), braces and `\Q…\E` included. */
function escapeLength(pattern: string, i: number): number {
  const c = pattern[i + 1];
  if (c === "Q") {
    const end = pattern.indexOf("\\E", i + 2);
    return (end === -1 ? pattern.length : end + 2) - i;
  }
  if ((c === "p" || c === "P" || c === "x") && pattern[i + 2] === "{") {
    const close = pattern.indexOf("}", i + 3);
    return (close === -1 ? pattern.length : close + 1) - i;
  }
  return 2;
}

/**
 * An upper bound of the instructions a pattern compiles to, read from its text without
 * compiling: each atom counts one (a `\Q…\E` literal one per character), an operator one,
 * a group its contents plus two, and `x{n,m}` counts x (and a branch) max(n, m) + 1 times. It never counts
 * fewer than re2js compiles, so that what passes it compiles quickly; a malformed pattern
 * gets some estimate and is refused by the compiler.
 */
export function estimateProgramSize(pattern: string): number {
  // One frame per open group: its size so far, and the size of its last atom (what a repetition repeats).
  const frames = [{ size: 0, last: 0 }];
  let frame = frames[0]!;
  const atom = (size: number) => {
    frame.size += size;
    frame.last = size;
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "\\") {
      const length = escapeLength(pattern, i);
      atom(pattern[i + 1] === "Q" ? Math.max(1, length - 4) : 1);
      i += length;
    } else if (c === "[") {
      atom(1);
      i += classLength(pattern, i);
    } else if (c === "(") {
      frame = { size: 0, last: 0 };
      frames.push(frame);
      i++;
    } else if (c === ")" && frames.length > 1) {
      const inner = frames.pop()!;
      frame = frames.at(-1)!;
      atom(inner.size + 2);
      i++;
    } else if (c === "|") {
      frame.size += 1;
      frame.last = 0;
      i++;
    } else if (c === "*" || c === "+" || c === "?") {
      frame.size += 1;
      frame.last += 1;
      i++;
    } else if (c === "{" && REPEAT.test(pattern.slice(i, i + 12))) {
      const m = REPEAT.exec(pattern.slice(i, i + 12))!;
      // n copies, then (m - n) optional ones or a star: at most max(n, m) + 1 copies, each with its branch.
      const times = Math.min(Math.max(Number(m[1]), m[3] ? Number(m[3]) : 0), MAX_REPEAT) + 1;
      const repeated = (frame.last + 1) * times;
      frame.size += repeated - frame.last;
      frame.last = repeated;
      i += m[0].length;
    } else {
      atom(1);
      i++;
    }
  }
  // Groups left open: the compiler refuses the pattern, but count them anyway.
  return frames.reduce((sum, f) => sum + f.size, 0) + PROGRAM_FRAME;
}

/** How a pattern must match: the whole value (PromQL's matchers) or anywhere in it (a search). */
export type Re2Match = "whole" | "anywhere";

/** The matcher of an RE2 pattern, or why it cannot be one. */
export function compileRe2(pattern: string, maxProgramSize: number, match: Re2Match = "whole"): Re2Result {
  const estimate = estimateProgramSize(pattern);
  if (estimate > maxProgramSize) {
    return {
      ok: false,
      error: `it would compile to about ${estimate} instructions, more than ${maxProgramSize} (repetition counts multiply)`,
      programSize: { size: estimate, limit: maxProgramSize },
    };
  }
  let compiled: RE2JS;
  try {
    // Checked as written first, so that an error quotes the pattern and not the flag re2js prefixes for DOTALL.
    compiled = RE2JS.compile(pattern);
    if (match === "whole") compiled = RE2JS.compile(pattern, RE2JS.DOTALL);
  } catch (error) {
    if (error instanceof RE2JSException) return { ok: false, error: error.message.replace(/^error parsing regexp: /, "") };
    throw error;
  }
  const size = compiled.programSize();
  if (size > maxProgramSize) {
    return {
      ok: false,
      error: `it compiles to ${size} instructions, more than ${maxProgramSize}`,
      programSize: { size, limit: maxProgramSize },
    };
  }
  return { ok: true, matches: match === "whole" ? (value) => compiled.testExact(value) : (value) => compiled.test(value) };
}
