/**
 * The benchmark's baseline Worker, in the same runtime as the mesh:
 * - `GET /fetch?url=…&n=…`: n plain fetches of the target, one after another: the ceiling a
 *   Worker reaches probing with nothing around the fetch;
 * - `POST /bare/start?url=…&n=…`, `POST /bare/stop?n=…`: n bare Durable Objects, each fetching the
 *   target on its own alarm every second, on a cadence (BareProber): the floor of a probe run on
 *   a Durable Object's alarm, before anything a prober does with its result;
 * - `/history/…`: the mesh's own D1 code (writeHistory, readUptime) timed against
 *   local D1 with the mesh's migrations.
 */
import { firstDueFrom } from "../src/objects/prober/cadence.ts";
import { writeHistory } from "../src/storage/history.ts";
import { DAY_MS, floorTo, HOUR_MS } from "../src/storage/rollup_plan.ts";
import { readUptime } from "../src/storage/uptime.ts";
import type { ProbeResult } from "../src/status/model.ts";

interface BenchEnv {
  DB: D1Database;
  BARE: DurableObjectNamespace;
}

/**
 * A probe run and nothing else: its alarm fetches the target, reads the body and sets the next
 * alarm a second on. A plain class, started and stopped through fetch: this file is also
 * imported by the bench in Node, where `cloudflare:workers` does not load.
 */
export class BareProber {
  private readonly ctx: DurableObjectState;
  private target: string | undefined;
  private next = 0;

  constructor(ctx: DurableObjectState) {
    this.ctx = ctx;
  }

  async fetch(request: Request): Promise<Response> {
    const target = new URL(request.url).searchParams.get("url");
    if (target === null) await this.ctx.storage.deleteAll();
    else {
      await this.ctx.storage.put("target", target);
      this.target = target;
      this.next = Date.now();
      await this.ctx.storage.setAlarm(this.next);
    }
    return new Response(null, { status: 204 });
  }

  async alarm(): Promise<void> {
    this.target ??= await this.ctx.storage.get<string>("target");
    if (this.target === undefined) return;
    await (await fetch(this.target, { signal: AbortSignal.timeout(5_000) })).arrayBuffer();
    // On a cadence, as the Prober keeps: a late round skips the seconds it missed.
    this.next = firstDueFrom({ anchor: this.next, periodMs: 1_000 }, Math.max(Date.now(), this.next + 1_000));
    await this.ctx.storage.setAlarm(this.next);
  }
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
    // As a Prober reports it: the request's trace and id, and its attempts.
    attempts: 1,
    traceparent: `00-${i.toString(16).padStart(32, "0")}-${(i * 7).toString(16).padStart(16, "0")}-01`,
    requestId: crypto.randomUUID(),
  };
}

/**
 * Rollup rows for each period in [from, to) as the mesh keeps them: an hour per (plane, region,
 * probe) with its percentiles, a day per (plane, probe), and a row per plane of each; latencies
 * in whole milliseconds, as the Plane objects and the maintenance write them.
 */
async function seedRollups(db: D1Database, period: "hour" | "day", planes: number, from: number, to: number) {
  const unit = period === "hour" ? HOUR_MS : DAY_MS;
  const runs = unit / MINUTE_MS;
  const [series, perPlane] = period === "hour" ? ["results_hourly", "planes_hourly"] : ["results_daily", "planes_daily"];
  const percentiles = period === "hour" ? ", latency_p50_ms, latency_p95_ms" : "";
  let rows: Array<[string, number, string, string, number]> = [];
  const flush = async () => {
    await db.batch([
      db
        .prepare(
          `INSERT OR REPLACE INTO ${series} (plane, ${period}, region, probe, runs, successes, latency_sum_ms, latency_max_ms${percentiles})
           SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', ?2, ?2 - value ->> '$[4]', ?2 * 45, 120${percentiles ? ", 44, 97" : ""}
           FROM json_each(?1)`,
        )
        .bind(JSON.stringify(rows), runs),
      db
        .prepare(
          `INSERT OR REPLACE INTO ${perPlane} (plane, ${period}, runs, successes, failures)
           SELECT value ->> '$[0]', value ->> '$[1]', sum(?2), sum(?2 - value ->> '$[4]'),
                  CASE WHEN sum(value ->> '$[4]') > 0 THEN json_object('timeout', sum(value ->> '$[4]')) ELSE '{}' END
           FROM json_each(?1) GROUP BY 1, 2`,
        )
        .bind(JSON.stringify(rows), runs),
    ]);
    rows = [];
  };
  const regions = period === "hour" ? REGIONS : ["*"];
  for (let t = from; t < to; t += unit) {
    for (let p = 0; p < planes; p++) {
      for (const region of regions) for (const probe of PROBES) rows.push([planeId(p), t, region, probe, p % 3]);
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
    if (url.pathname === "/bare/start" || url.pathname === "/bare/stop") {
      // Without a target, each object stops: its alarm and storage deleted.
      const query = url.pathname === "/bare/start" ? `?url=${encodeURIComponent(url.searchParams.get("url")!)}` : "";
      const objects = Array.from({ length: param("n") }, (_, i) => env.BARE.get(env.BARE.idFromName(String(i))));
      await Promise.all(objects.map(async (bare) => (await bare.fetch(`http://bare/${query}`)).arrayBuffer()));
      return Response.json({ ok: objects.length });
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
      await seedRollups(env.DB, "day", param("planes"), dailyThrough - param("days") * DAY_MS, dailyThrough);
      await seedRollups(env.DB, "hour", param("planes"), hourlyThrough - param("hourlyDays") * DAY_MS, hourlyThrough + HOUR_MS);
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
