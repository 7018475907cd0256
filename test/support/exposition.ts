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
