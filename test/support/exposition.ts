import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Checks a Prometheus text exposition for what promtool does not catch: a family split in two,
 * a HELP or TYPE repeated or after its samples, a (name, labels) pair repeated.
 * Returns the problems found, empty when there are none.
 */
export function expositionProblems(text: string): string[] {
  const problems: string[] = [];
  const closed = new Set<string>();
  const seenSeries = new Set<string>();
  const meta = new Map<string, Set<string>>();
  let current: string | undefined;
  const familyOf = (name: string) => {
    for (const suffix of ["_bucket", "_sum", "_count", "_total", "_created"]) {
      const base = name.slice(0, -suffix.length);
      if (name.endsWith(suffix) && meta.has(base)) return base;
    }
    return name;
  };
  const enter = (family: string) => {
    if (family === current) return;
    if (current !== undefined) closed.add(current);
    if (closed.has(family)) problems.push(`family ${family} is not contiguous`);
    current = family;
  };
  for (const line of text.split("\n")) {
    if (line === "" || line === "# EOF") continue;
    const m = /^# (HELP|TYPE|UNIT) (\S+)/.exec(line);
    if (m) {
      const [, kind, family] = m as unknown as [string, string, string];
      enter(family);
      const kinds = meta.get(family) ?? new Set();
      if (kinds.has(kind)) problems.push(`${kind} of ${family} repeated`);
      kinds.add(kind);
      meta.set(family, kinds);
      continue;
    }
    if (line.startsWith("#")) continue;
    const series = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s/.exec(line);
    if (!series) {
      problems.push(`unparseable line: ${line}`);
      continue;
    }
    enter(familyOf(series[1]!));
    const key = `${series[1]}${series[2] ?? ""}`;
    if (seenSeries.has(key)) problems.push(`series ${key} repeated`);
    seenSeries.add(key);
  }
  return problems;
}

/**
 * What `promtool check metrics` says of an exposition: empty when it is clean. promtool exits
 * non-zero on a format error (then this throws) and prints its lint findings.
 */
export function promtoolFindings(promtool: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "planewatch-metrics-")), "metrics.txt");
  writeFileSync(file, text);
  try {
    return execFileSync("sh", ["-c", `"${promtool}" check metrics < "${file}" 2>&1`], { encoding: "utf8" }).trim();
  } catch (error) {
    const { status, stdout } = error as { status: number; stdout: string };
    // Exit 3: the exposition parsed, and lint found problems, which are the findings.
    if (status === 3) return stdout.trim();
    throw error;
  }
}
