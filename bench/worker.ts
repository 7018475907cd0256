/**
 * The benchmark's baseline Worker, in the same runtime as the mesh:
 * - `GET /fetch?url=…&n=…`: n plain fetches of the target, one after another: the ceiling a
 *   Worker reaches probing with nothing around the fetch;
 * - `/history/…`: the mesh's own D1 code (writeHistory, readUptime) timed against
 *   local D1 with the mesh's migrations.
 */
import { writeHistory } from "../src/storage/history.ts";
import { DAY_MS, floorTo, HOUR_MS } from "../src/storage/rollup_plan.ts";
import { readUptime } from "../src/storage/uptime.ts";
import type { ProbeResult } from "../src/status/model.ts";

interface BenchEnv {
  DB: D1Database;
}

const REGIONS = ["wnam", "weur", "apac"];
const PROBES = ["sync_predict", "healthz"];
const SERIES_PER_PLANE = REGIONS.length * PROBES.length;
const MINUTE_MS = 60_000;

export const planeId = (i: number) => `plane-${String(i).padStart(5, "0")}`;

/** Result `i` of a run over `planes` planes: every series once a minute from `from` on. */
function result(i: number, planes: number, from: number): ProbeResult {
  const series = i % (planes * SERIES_PER_PLANE);
  const pair = Math.floor(series / planes);
  const probe = PROBES[pair % PROBES.length]!;
  const ok = i % 50 !== 0;
  return {
    plane: planeId(series % planes),
    region: REGIONS[Math.floor(pair / PROBES.length)]!,
    probe,
    kind: probe === "healthz" ? "http" : "sync_predict",
    at: from + Math.floor(i / (planes * SERIES_PER_PLANE)) * MINUTE_MS,
    ok,
    reason: ok ? "ok" : "unexpected_status",
    latencyMs: 40 + (i % 17),
    httpStatus: ok ? 200 : 503,
    message: ok ? "status 200" : "status 503, expected 200-399",
  };
}

/** Rollup rows of every series of `planes` planes for each period in [from, to). */
async function seedRollups(
  db: D1Database,
  table: "results_hourly" | "results_daily",
  planes: number,
  from: number,
  to: number,
  unit: number,
) {
  const column = table === "results_hourly" ? "hour" : "day";
  const runsPerPeriod = unit / MINUTE_MS;
  let rows: unknown[] = [];
  const flush = async () => {
    await db
      .prepare(
        `INSERT OR REPLACE INTO ${table} (plane, ${column}, region, probe, runs, successes, latency_sum_ms, latency_max_ms)
         SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', ?2, ?2 - value ->> '$[4]', ?2 * 45.5, 120
         FROM json_each(?1)`,
      )
      .bind(JSON.stringify(rows), runsPerPeriod)
      .run();
    rows = [];
  };
  for (let t = from; t < to; t += unit) {
    for (let p = 0; p < planes; p++) {
      for (const region of REGIONS) for (const probe of PROBES) rows.push([planeId(p), t, region, probe, p % 3]);
    }
    if (rows.length >= 5_000) await flush();
  }
  if (rows.length > 0) await flush();
}

async function setMarks(db: D1Database, marks: Record<string, number>) {
  await db.batch(
    Object.entries(marks).map(([name, value]) =>
      db.prepare("INSERT OR REPLACE INTO rollup_state (name, value) VALUES (?, ?)").bind(name, value),
    ),
  );
}

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const param = (name: string) => Number(url.searchParams.get(name));
    if (url.pathname === "/fetch") {
      const target = url.searchParams.get("url")!;
      let ok = 0;
      for (let i = 0; i < param("n"); i++) {
        const res = await fetch(target);
        await res.text();
        if (res.ok) ok++;
      }
      return Response.json({ ok });
    }
    if (url.pathname === "/history/insert") {
      // `rows` results, written `batch` at a time as the Plane objects' outbox does.
      const rows = Array.from({ length: param("rows") }, (_, i) => result(i, param("planes"), param("from")));
      const started = Date.now();
      for (let i = 0; i < rows.length; i += param("batch")) await writeHistory(env.DB, rows.slice(i, i + param("batch")), []);
      return Response.json({ rows: rows.length, ms: Date.now() - started });
    }
    if (url.pathname === "/history/seed") {
      // Rollups as the maintenance leaves them at `now` for `planes` planes: daily rows for
      // `days` days, hourly rows for the last `hourlyDays`, raw results after the last hour.
      const now = param("now");
      const hourlyThrough = floorTo(now, HOUR_MS);
      const dailyThrough = floorTo(now, DAY_MS);
      await seedRollups(env.DB, "results_daily", param("planes"), dailyThrough - param("days") * DAY_MS, dailyThrough, DAY_MS);
      await seedRollups(env.DB, "results_hourly", param("planes"), hourlyThrough - param("hourlyDays") * DAY_MS, hourlyThrough, HOUR_MS);
      await setMarks(env.DB, { hourly_through: hourlyThrough, daily_through: dailyThrough, raw_from: hourlyThrough - 7 * DAY_MS });
      return Response.json({ ok: true });
    }
    if (url.pathname === "/history/uptime") {
      const started = Date.now();
      const uptime = await readUptime(env.DB, url.searchParams.get("plane")!, param("now"));
      return Response.json({ ms: Date.now() - started, uptime });
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<BenchEnv>;
