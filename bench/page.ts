/**
 * `node bench/page.ts [--planes N] [--runs N]`: the overview `/` at 1,000 planes with 90 days
 * of history, as a real `wrangler dev` serves it. CPU is the user + system time of the workerd
 * processes while one request is served (local D1 runs in the same process, so its SQLite work
 * is counted too: an upper bound of the Worker's own CPU); size is the body gzipped at level 6.
 * Prints a Markdown section for BENCHMARKS.md. Targets: ≤ 300 ms CPU, ≤ 500 KB gzipped.
 */
import { gzipSync } from "node:zlib";
import { httpPlanes, localD1, withMesh } from "./common.ts";
import { spread } from "./stats.ts";
import { cpuSeconds, machine } from "./system.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TARGETS = { cpuMs: 300, gzipKB: 500 };

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const PLANES = arg("planes", 1_000);
const RUNS = arg("runs", 7);

/**
 * 90 days of every plane: one day in twelve has failed runs (a different day for each plane,
 * with one to three reasons), a tenth of the planes are 30 days old; today from hourly rollups.
 */
function seed(persistDir: string, now: number): void {
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
  for (let p = 0; p < PLANES; p++) {
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

const config = httpPlanes(PLANES, () => "http://127.0.0.1:9/unused", { periodSeconds: 3600 });
const started = new Date();
const result = await withMesh({ PLANES_CONFIG: config }, async (mesh) => {
  seed(mesh.persistDir, Date.now());
  const cpu: number[] = [];
  let body = new Uint8Array();
  // The first request warms the isolate (parsing the config, compiling): not counted.
  for (let run = 0; run <= RUNS; run++) {
    const before = cpuSeconds(mesh.pid, "workerd");
    const res = await fetch(`${mesh.url}/`);
    body = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`GET / answered ${res.status}`);
    const used = (cpuSeconds(mesh.pid, "workerd") - before) * 1000;
    if (run > 0) cpu.push(used);
  }
  return { cpu: spread(cpu), bytes: body.length, gzip: gzipSync(body, { level: 6 }).length };
});

const m = machine();
const kb = (n: number) => (n / 1024).toFixed(0);
const cpuMs = (n: number) => n.toFixed(0);
console.log(`## Status page

Measured ${started.toISOString().slice(0, 16).replace("T", " ")} UTC with \`node bench/page.ts --planes ${PLANES} --runs ${RUNS}\`.
Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node}, workerd ${m.workerd}, wrangler ${m.wrangler}. Load average at the start: ${m.load}.

GET / of a mesh of ${PLANES} planes × 3 regions, each with 90 days of daily rollups (one day in twelve with failed runs) and
today's hourly rollups, seeded into the local D1 of a real \`wrangler dev\`. CPU: user + system time of the workerd
processes while the request is served, local D1 included (an upper bound of the Worker's CPU), after one warm-up request;
median of ${RUNS} with min–max.

| figure | measured | target |  |
| --- | --- | --- | --- |
| CPU per GET / | ${cpuMs(result.cpu.median)} ms (${cpuMs(result.cpu.min)}–${cpuMs(result.cpu.max)}) | ≤ ${TARGETS.cpuMs} ms | ${result.cpu.median <= TARGETS.cpuMs ? "met" : "not met"} |
| gzipped size | ${kb(result.gzip)} KB (${kb(result.bytes)} KB raw) | ≤ ${TARGETS.gzipKB} KB | ${result.gzip / 1024 <= TARGETS.gzipKB ? "met" : "not met"} |
`);
