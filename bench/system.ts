/** The machine the benchmark runs on, and the CPU time its processes use. */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { ROOT } from "../scripts/mesh.ts";

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime, in seconds. */
  cpuSeconds: number;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm may hold spaces and parentheses: the fields after it start past the last ")".
    const comm = text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"));
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { pid: Number(pid), comm, ppid: Number(fields[1]), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS };
  } catch {
    return undefined; // gone meanwhile
  }
}

/**
 * CPU seconds (user + system) used so far by `pid` and every process below it whose name
 * matches (workerd under a wrangler process), or by `pid` alone when `name` is not given.
 */
export function cpuSeconds(pid: number, name?: string): number {
  const all = readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => readStat(p) ?? []);
  if (name === undefined) return all.find((p) => p.pid === pid)?.cpuSeconds ?? 0;
  const children = new Map<number, ProcStat[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      if (child.comm === name) total += child.cpuSeconds;
      stack.push(child.pid);
    }
  }
  return total;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  workerd: string;
  wrangler: string;
  blackbox: string;
  /** The 1-minute load average when the benchmark started. */
  load: string;
}

function version(command: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return pattern.exec(out)?.[1] ?? out.trim().split("\n")[0]!;
  } catch {
    return "not installed";
  }
}

export function machine(): Machine {
  const bin = (tool: string) => join(ROOT, "node_modules", ".bin", tool);
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    workerd: version(bin("workerd"), ["--version"], /workerd (\S+)/),
    wrangler: (JSON.parse(readFileSync(join(ROOT, "node_modules", "wrangler", "package.json"), "utf8")) as { version: string }).version,
    blackbox: version(BLACKBOX_EXPORTER, ["--version"], /version (\S+)/),
    load: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
  };
}

/** Debian's prometheus-blackbox-exporter. */
export const BLACKBOX_EXPORTER = "/usr/bin/prometheus-blackbox-exporter";
