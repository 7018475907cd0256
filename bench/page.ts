/**
 * Section 8, also `node bench/page.ts [--planes N] [--runs N]` alone: the overview `/` at 1,000
 * planes with 90 days of history, as a real `wrangler dev` serves it. Size is the body gzipped
 * at level 6. CPU is measured twice over:
 * - workerd: the user + system time of the workerd processes while one request is served. Local
 *   D1 runs its SQLite in those processes, so this counts D1's work too, which on Cloudflare runs
 *   in D1 and not in the Worker's CPU time.
 * - D1's SQL: the exact statements the route sends D1 (recorded by running the route's own
 *   storage code against a D1Database that executes on node:sqlite), run on the same local D1
 *   file in this process and timed with process.cpuUsage().
 * The Worker's CPU is estimated as the first minus the second. Targets: ≤ 300 ms, ≤ 500 KB.
 */
import { availableParallelism } from "node:os";
import { gzipSync } from "node:zlib";
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { stripStart } from "../src/status/uptime_strip.ts";
import { readPlanesHistory } from "../src/storage/daily_uptime.ts";
import { readRollupState } from "../src/storage/rollups.ts";
import { httpPlanes, localD1, withMesh } from "./common.ts";
import { type Spread, spread } from "./stats.ts";
import { cpuSeconds, machine } from "./system.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TARGETS = { cpuMs: 300, gzipKB: 500 };

export interface PageOptions {
  planes: number;
  /** Requests measured, after one that warms the isolate. */
  runs: number;
}

export interface PageResult {
  options: PageOptions;
  startedAt: Date;
  load: string;
  /** CPU of the workerd processes per GET /, local D1 included. */
  workerdMs: Spread;
  /** CPU of the D1 statements of one GET / on node:sqlite. */
  sqlMs: Spread;
  bytes: number;
  gzipBytes: number;
}

/**
 * 90 days of every plane: one day in twelve has failed runs (a different day for each plane,
 * with one to three reasons), a tenth of the planes are 30 days old; today from hourly rollups.
 */
function seed(persistDir: string, planes: number, now: number): void {
  const db = localD1(persistDir);
  const today = Math.floor(now / DAY) * DAY;
  const hourlyThrough = Math.floor(now / HOUR) * HOUR;
  const reasons = ["timeout", "unexpected_status", "body_mismatch"];
  db.exec("BEGIN");
  const state = db.prepare("INSERT OR REPLACE INTO rollup_state (name, value) VALUES (?, ?)");
  state.run("hourly_through", hourlyThrough);
  state.run("daily_through", today);
  const daily = db.prepare("INSERT INTO planes_daily (plane, day, runs, successes, failures) VALUES (?, ?, ?, ?, ?)");
  const hourly = db.prepare("INSERT INTO planes_hourly (plane, hour, runs, successes, failures) VALUES (?, ?, ?, ?, ?)");
  for (let p = 0; p < planes; p++) {
    const plane = `bench-${p}`;
    const age = p % 10 === 0 ? 30 : 90;
    for (let d = 1; d <= age; d++) {
      const troubled = (d + p) % 12 === 0;
      const failed = troubled ? 1 + ((p * 7 + d) % 200) : 0;
      const failures = troubled
        ? JSON.stringify(Object.fromEntries(reasons.slice(0, 1 + (d % 3)).map((r, i) => [r, i === 0 ? failed : 0])))
        : "{}";
      daily.run(plane, today - d * DAY, 4_320, 4_320 - failed, failures);
    }
    for (let h = today; h < hourlyThrough; h += HOUR) hourly.run(plane, h, 180, 180, "{}");
  }
  db.exec("COMMIT");
  db.close();
}

/**
 * A D1Database enough for the route's storage reads, executing on node:sqlite: each statement
 * run adds its CPU time to `cpuMs`. D1 binds `?` and `?N` alike, as node:sqlite does.
 */
function timedD1(db: DatabaseSync): { d1: D1Database; cpuMs: () => number } {
  let micros = 0;
  const run = <T>(sql: string, params: unknown[], how: (rows: Record<string, unknown>[]) => T): T => {
    const before = process.cpuUsage();
    const rows = db.prepare(sql).all(...(params as SQLInputValue[])) as Record<string, unknown>[];
    const used = process.cpuUsage(before);
    micros += used.user + used.system;
    return how(rows);
  };
  const statement = (sql: string, params: unknown[]) => ({
    bind: (...next: unknown[]) => statement(sql, next),
    first: async () => run(sql, params, (rows) => rows[0] ?? null),
    all: async () => run(sql, params, (results) => ({ results, success: true, meta: {} })),
  });
  const d1 = { prepare: (sql: string) => statement(sql, []) } as unknown as D1Database;
  return { d1, cpuMs: () => micros / 1000 };
}

/** CPU of the D1 statements GET / sends, on the local D1 file of the mesh. */
async function overviewSqlMs(persistDir: string, now: number): Promise<number> {
  const db = localD1(persistDir);
  try {
    const { d1, cpuMs } = timedD1(db);
    const state = await readRollupState(d1);
    await readPlanesHistory(d1, state, now, stripStart(Math.max(state.hourlyThrough, now)));
    return cpuMs();
  } finally {
    db.close();
  }
}

export async function benchPage(options: PageOptions): Promise<PageResult> {
  const startedAt = new Date();
  const load = machine().load;
  const config = httpPlanes(options.planes, () => "http://127.0.0.1:9/unused", { periodSeconds: 3600 });
  return withMesh({ PLANES_CONFIG: config }, async (mesh) => {
    seed(mesh.persistDir, options.planes, Date.now());
    const workerd: number[] = [];
    const sql: number[] = [];
    let body = new Uint8Array();
    // The first request warms the isolate (parsing the config, compiling): not counted.
    for (let run = 0; run <= options.runs; run++) {
      const before = cpuSeconds(mesh.pid, "workerd");
      const res = await fetch(`${mesh.url}/`);
      body = new Uint8Array(await res.arrayBuffer());
      if (res.status !== 200) throw new Error(`GET / answered ${res.status}`);
      const used = (cpuSeconds(mesh.pid, "workerd") - before) * 1000;
      if (run > 0) {
        workerd.push(used);
        sql.push(await overviewSqlMs(mesh.persistDir, Date.now()));
      }
    }
    return {
      options,
      startedAt,
      load,
      workerdMs: spread(workerd),
      sqlMs: spread(sql),
      bytes: body.length,
      gzipBytes: gzipSync(body, { level: 6 }).length,
    };
  });
}

export const PAGE_HEADING = "## 8. Status page";

/** Section 8 of BENCHMARKS.md; `note` says how and when it was measured. */
export function pageSection(r: PageResult, note: string): string[] {
  const ms = (s: Spread) => `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
  const workerMs = r.workerdMs.median - r.sqlMs.median;
  const gzipKB = r.gzipBytes / 1024;
  return [
    PAGE_HEADING,
    "",
    `GET / of a mesh of ${r.options.planes} planes × 3 regions, each with 90 days of daily rollups (one day in twelve with failed`,
    "runs) and today's hourly rollups, seeded into the local D1 of a real `wrangler dev`; after one warm-up request,",
    `median of ${r.options.runs} with min–max.${note}` +
      (Number(r.load.split(" ")[0]) > availableParallelism() / 2
        ? " **Measured under load** (other work shared the cores): every CPU figure is higher than on a quiet machine."
        : ""),
    "",
    "How the CPU is taken apart: *workerd* is the user + system time of the workerd processes while the request is",
    "served; it includes local D1, whose SQLite runs in those processes (on Cloudflare it runs in D1, outside the",
    "Worker's CPU time), and wrangler's proxy Worker. *D1 SQL* is the CPU time of the exact statements the route sends",
    "D1 (the route's own storage code run against a D1Database that executes on node:sqlite), on the same local D1 file,",
    "after each request. *Worker* = workerd − D1 SQL (medians): still an upper bound, as it holds the proxy Worker's",
    "copy of the response and D1's serialization of the rows; the target applies to it.",
    "",
    table([
      ["figure", "measured", "target", ""],
      ["CPU per GET /, workerd (local D1 included)", ms(r.workerdMs), "", ""],
      ["CPU of its D1 statements (node:sqlite)", ms(r.sqlMs), "", ""],
      [
        "CPU per GET /, Worker (workerd − D1 SQL)",
        `${workerMs.toFixed(0)} ms`,
        `≤ ${TARGETS.cpuMs} ms`,
        workerMs <= TARGETS.cpuMs ? "met" : "**not met**",
      ],
      [
        "gzipped size",
        `${gzipKB.toFixed(0)} KB (${(r.bytes / 1024).toFixed(0)} KB raw)`,
        `≤ ${TARGETS.gzipKB} KB`,
        gzipKB <= TARGETS.gzipKB ? "met" : "**not met**",
      ],
    ]),
    "",
  ];
}

function table(rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(rows[0]!), line(rows[0]!.map(() => "---")), ...rows.slice(1).map(line)].join("\n");
}

if (import.meta.filename === process.argv[1]) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? fallback : Number(process.argv[i + 1]);
  };
  const result = await benchPage({ planes: arg("planes", 1_000), runs: arg("runs", 7) });
  const m = machine();
  const note = ` Measured ${result.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC with \`node bench/page.ts --planes ${result.options.planes} --runs ${result.options.runs}\`; machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, workerd ${m.workerd}; load average ${result.load} at the start.`;
  console.log(pageSection(result, note).join("\n"));
}
