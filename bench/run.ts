/**
 * `npm run bench` (every section, repeated) or `npm run bench -- --quick` (fewer sizes and
 * repeats; sections 9 and 10 run in real minutes, about ten of the quick run's): measures the
 * mesh on this machine against a loopback target, side by side with a raw-fetch Worker and
 * blackbox_exporter, and writes BENCHMARKS.md. Every figure is the median of repeated runs with
 * min and max. `--history`, `--webhooks`, `--llm`, `--page`, `--cost` and `--detection` run one section alone.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyMigrations, ROOT, startWorker } from "../scripts/mesh.ts";
import { UNIT_NAMES, type Units } from "./cost.ts";
import { benchDetection, DETECTION_TIMEOUT_SECONDS, detectionBoundMs, type DetectionRow, type DetectionSize } from "./detection.ts";
import { benchHistory, tableSizes, type HistoryOptions, type HistoryResult } from "./history.ts";
import { benchLatency, type LatencyRow } from "./latency.ts";
import { allowedLlmError, benchLlm, type LlmRow } from "./llm.ts";
import { benchProbeCost, type CostOptions, type CostResult } from "./probe_cost.ts";
import { PRICES_AS_OF, PRICES_SOURCE } from "./prices.ts";
import { benchPage, PAGE_HEADING, type PageOptions, type PageResult, pageSection } from "./page.ts";
import type { Spread } from "./stats.ts";
import { machine, type Machine } from "./system.ts";
import { startTarget } from "./target.ts";
import { benchThroughput, type ThroughputOptions, type ThroughputResult } from "./throughput.ts";
import { benchTick, REGIONS_PER_PLANE, TIMEOUT_SECONDS, type ScrapeRow, type TickRow, type TickSize } from "./tick.ts";
import { benchWebhooks, type WebhookBenchOptions, type WebhookBenchResult } from "./webhooks.ts";

interface Plan {
  throughput: ThroughputOptions;
  /** Rounds of latency samples, and samples of each delay per round. */
  latency: { rounds: number; samples: number };
  /** Sizes to tick, how many fresh meshes tick each, and scrapes after the first. */
  ticks: TickSize[];
  history: HistoryOptions;
  webhooks: WebhookBenchOptions;
  /** Samples of each streamed chat completion case. */
  llm: { samples: number };
  /** The overview at this many planes, measured over this many requests. */
  page: PageOptions;
  /** The metered mesh: planes (× 3 regions × 2 probes a minute), minutes measured. */
  cost: CostOptions;
  /** Sizes at which a failing target's detection is timed: the larger with a longer period, as this machine runs about 100 probes a second at most. */
  detection: DetectionSize[];
}

const QUICK: Plan = {
  // Windows as long as the full run's, fewer of them: both measure the same steady state (section 1).
  throughput: { planes: 400, windows: 2, windowSeconds: 10, baselineProbes: 1_500, baselineRuns: 2 },
  latency: { rounds: 1, samples: 3 },
  ticks: [
    { planes: 100, probesPerPlane: 1, runs: 1, scrapes: 0 },
    { planes: 1_000, probesPerPlane: 1, runs: 1, scrapes: 3 },
  ],
  history: { planes: 1_000, insertRows: 20_000, insertRuns: 2, unbatchedRows: 200, hourlyDays: 2, uptimeQueries: 10 },
  webhooks: { rounds: 3, probesPerRegion: 40, concurrency: 16 },
  llm: { samples: 3 },
  page: { planes: 1_000, runs: 3 },
  cost: { planes: 1_000, minutes: 2 },
  detection: [
    { planes: 100, periodSeconds: 10 },
    { planes: 1_000, periodSeconds: 30 },
  ],
};

/**
 * Each local Durable Object keeps its SQLite files open (database, journal, shared memory),
 * and a tick at N planes x 3 regions makes 4N objects in one workerd process: a size past
 * the process's limit of open files cannot run locally (the runtime stalls), so it is
 * reported as not run rather than left to hang.
 */
const OPEN_FILES_PER_LOCAL_OBJECT = 3;

function openFilesLimit(): number {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith("Max open files"));
  return Number(line?.split(/\s{2,}/)[1] ?? Infinity);
}

const FULL: Plan = {
  throughput: { planes: 400, windows: 5, windowSeconds: 10, baselineProbes: 5_000, baselineRuns: 3 },
  latency: { rounds: 3, samples: 9 },
  ticks: [
    { planes: 100, probesPerPlane: 1, runs: 3, scrapes: 0 },
    { planes: 1_000, probesPerPlane: 1, runs: 3, scrapes: 5 },
    { planes: 1_000, probesPerPlane: 3, runs: 1, scrapes: 5 },
    { planes: 1_500, probesPerPlane: 1, runs: 3, scrapes: 5 },
    { planes: 5_000, probesPerPlane: 1, runs: 3, scrapes: 5 },
  ],
  history: { planes: 1_000, insertRows: 100_000, insertRuns: 3, unbatchedRows: 1_000, hourlyDays: 35, uptimeQueries: 30 },
  webhooks: { rounds: 5, probesPerRegion: 40, concurrency: 16 },
  llm: { samples: 5 },
  page: { planes: 1_000, runs: 5 },
  cost: { planes: 1_000, minutes: 5 },
  detection: [
    { planes: 100, periodSeconds: 10 },
    { planes: 1_000, periodSeconds: 30 },
  ],
};

/** The issue's targets. */
const TARGETS = {
  meshOverRawFetch: 0.5,
  durationErrorMs: 5,
  durationErrorShare: 0.02,
  cpuMsPerProbe: 1,
  metricsMsAt1000: 100,
  dollarsPerMillionRuns: 2,
  planeWebhooksPerSecond: 1_000,
};

interface Results {
  machine: Machine;
  quick: boolean;
  plan: Plan;
  startedAt: Date;
  seconds: number;
  loadAfter: string;
  throughput: ThroughputResult;
  latency: LatencyRow[];
  ticks: TickRow[];
  /** Sizes too large for this machine's limit of open files, with why. */
  notRun: Array<{ planes: number; reason: string }>;
  scrapes: ScrapeRow[];
  history: HistoryResult;
  webhooks: WebhookBenchResult;
  llm: LlmRow[];
  page: PageResult;
  cost: CostResult;
  detection: DetectionRow[];
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function show(s: Spread): string {
  return s.runs > 1 ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : fmt(s.median);
}

const HISTORY_HEADING = "## 5. History (local D1)";

/** Section 5, also written alone by `npm run bench -- --history`. */
function historySection(history: HistoryResult, options: HistoryOptions, note: string): string[] {
  return [
    HISTORY_HEADING,
    "",
    table(
      ["measure", "value"],
      [
        ["insert, 500 rows a batch (the outbox's batching), rows/s", show(history.batchedRowsPerSecond)],
        ["insert, one row a batch, rows/s", show(history.unbatchedRowsPerSecond)],
        [
          `uptime over 1 h, 24 h, 7 d and 30 d of one plane at ${options.planes.toLocaleString("en-US")} planes, ms`,
          show(history.uptimeMs),
        ],
      ],
    ),
    "",
    `The uptime query reads rollups seeded for ${options.planes.toLocaleString("en-US")} planes × 3 regions × 2 probes: 30 days of daily rows, ${history.seededHourlyDays} days`,
    `of hourly rows, and the raw results of the insert runs; its time is taken inside the Worker.${note}`,
    "",
    "Bytes per row, indexes included (dbstat of the local D1 file): " +
      Object.entries(history.bytesPerRow)
        .map(([name, bytes]) => `\`${name}\` ${bytes}`)
        .join(", ") +
      ". Table sizes for 10,000 planes × 3 regions × 2 probes a minute that pass, with the default retention (raw 7 days, hourly 35, daily 400) and `rawPassSeconds` (a pass an hour per region and probe goes raw; the Plane objects count the rest into the hours):",
    "",
    historySizes(history.bytesPerRow),
    "",
  ];
}

/** Section 5's table: each history table's rows and size at 10,000 planes after 30 and 400 days, and all of them. */
function historySizes(bytesPerRow: HistoryResult["bytesPerRow"]): string {
  const gb = (bytes: number) => `${fmt(bytes / 1e9)} GB`;
  const [at30, at400] = [tableSizes(10_000, 30, bytesPerRow), tableSizes(10_000, 400, bytesPerRow)];
  const total = (sizes: typeof at30) => sizes.reduce((bytes, t) => bytes + t.bytes, 0);
  return table(
    ["table", "rows after 30 days", "size", "rows after 400 days", "size"],
    [
      ...at30.map((t, i) => [
        `\`${t.table}\``,
        t.rows.toLocaleString("en-US"),
        gb(t.bytes),
        at400[i]!.rows.toLocaleString("en-US"),
        gb(at400[i]!.bytes),
      ]),
      ["all", "", gb(total(at30)), "", gb(total(at400))],
    ],
  );
}

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

const yes = (ok: boolean) => (ok ? "met" : "**not met**");

function durationError(row: LatencyRow, which: "mesh" | "blackbox"): number {
  return row[which].median - row.delayMs;
}

function allowedError(delayMs: number): number {
  return Math.max(TARGETS.durationErrorMs, TARGETS.durationErrorShare * delayMs);
}

const LLM_HEADING = "## 7. Streamed chat completions";

/** Section 7, also written alone by `npm run bench -- --llm` into the BENCHMARKS.md of a full run. */
function llmSection(rows: readonly LlmRow[], samples: number, note: string): string[] {
  const unit = (row: LlmRow) => (row.figure === "timeToFirstToken" ? "ms" : "tokens/s");
  return [
    LLM_HEADING,
    "",
    `A chat_completions probe's figures (from /metrics) against the injected truth: the target streams the simulator's`,
    `answer on an exact schedule from each request's arrival; ${samples} samples of each, no two probes in the same second.${note}`,
    "",
    table(
      ["figure", "injected", "mesh", "error", "allowed", ""],
      rows.map((row) => {
        const error = row.measured.median - row.truth;
        return [
          row.figure === "timeToFirstToken" ? "time to first token" : "tokens per second",
          `${fmt(row.truth)} ${unit(row)}`,
          show(row.measured),
          `${fmt(error)} ${unit(row)}`,
          `±${fmt(allowedLlmError(row))} ${unit(row)}`,
          yes(Math.abs(error) <= allowedLlmError(row)),
        ];
      }),
    ),
    "",
  ];
}

const COST_HEADING = "## 9. Cost per probe run";

const UNIT_LABELS: Record<keyof Units, string> = {
  workerRequests: "Worker invocations (cron, fetch)",
  cpuMs: "CPU ms (the whole workerd process, as Durable Object time at 128 MB)",
  objectRequests: "Durable Object requests (RPC calls, alarms, fetches)",
  objectGbSeconds: "Durable Object duration, GB-s (active wall time × 128 MB)",
  objectRowsWritten: "Durable Object rows written (SQL, and 1 per setAlarm)",
  objectRowsRead: "Durable Object rows read",
  d1RowsWritten: "D1 rows written (index updates included)",
  d1RowsRead: "D1 rows read",
  subrequests: "subrequests (not billed)",
};

const dollars = (value: number) => `$${value.toFixed(value >= 1 ? 2 : 3)}`;

const WEBHOOKS_HEADING = "## 6. Webhook matching";

function webhookTarget(r: WebhookBenchResult): string[] {
  return [
    `webhooks one Plane object matches a second ≥ ${TARGETS.planeWebhooksPerSecond.toLocaleString("en-US")}`,
    fmt(r.planeObjectPerSecond.median),
    yes(r.planeObjectPerSecond.median >= TARGETS.planeWebhooksPerSecond),
  ];
}

/** Section 6, also written alone by `npm run bench -- --webhooks`. */
function webhookSection(r: WebhookBenchResult, options: WebhookBenchOptions, note: string): string[] {
  return [
    WEBHOOKS_HEADING,
    "",
    `${r.webhooksPerPlane} signed webhooks per plane (${options.probesPerRegion} async probes in each of 9 regions), each matched to`,
    `its pending request in the plane's one Plane object, ${options.concurrency} at a time (bench/webhooks.ts), while the object polls`,
    "the requests' status at the probe's default interval. Those that reach the object together are matched as one batch.",
    "Half of them come through the receiver: locally that Worker, the client sending and every object share one",
    "workerd thread and two cores,",
    "while on Cloudflare receivers run in isolates of their own and a plane's webhooks meet only in its Plane object.",
    "The other half go straight to the Plane object, by RPC as the receiver hands them on (bench/metered.ts): that",
    `object's own pace, to which the target applies.${note}`,
    "",
    table(
      ["measure", "value"],
      [
        ["matched per second, straight to the Plane object", show(r.planeObjectPerSecond)],
        ["matched per second, through the receiver", show(r.matchedPerSecond)],
        ["receipt → status update p50, ms", show(r.latencyP50Ms)],
        ["receipt → status update p99, ms", show(r.latencyP99Ms)],
      ],
    ),
    "",
  ];
}

function costTarget(r: CostResult): string[] {
  return [
    `cost per million probe runs at ${r.planes.toLocaleString("en-US")} planes × 3 × ${r.probesPerPlane} a minute ≤ $${TARGETS.dollarsPerMillionRuns}`,
    dollars(r.dollars.total),
    yes(r.dollars.total <= TARGETS.dollarsPerMillionRuns),
  ];
}

/** Section 9, also written alone by `npm run bench -- --cost`. */
function costSection(r: CostResult, note: string): string[] {
  const per = (n: number) => (n === 0 ? "0" : n < 0.001 ? n.toExponential(2) : fmt(n));
  const withPruning = r.dollars.total + r.rawInsertRowsPerRun;
  return [
    COST_HEADING,
    "",
    `${r.planes.toLocaleString("en-US")} planes × 3 regions × ${r.probesPerPlane} HTTP probes a minute (period 60 s, each plane's first run at a different`,
    "second of the minute) against the loopback target, in a mesh whose Worker and Durable Object classes are wrapped",
    "by a meter (bench/metered.ts, bench/meter.ts) that counts from the runtime's own figures: every entry point of an",
    "object called from outside it (RPC method, alarm), the wall time each object is active, each SQL statement's",
    "cursor `rowsRead`/`rowsWritten`, each `setAlarm`, each D1 answer's `meta.rows_read`/`rows_written`, each",
    "subrequest and Worker invocation. The minute cron is fired every minute, as Cloudflare would. The first round (it",
    `creates every object) and one more minute are left out; then ${r.minutes} whole minutes are counted: ${r.runs.toLocaleString("en-US")} probe runs by the`,
    `mesh's own count (\`planewatch_probe_runs_total\`; ${r.failedRuns.toLocaleString("en-US")} failed; the target served ${r.served.toLocaleString("en-US")} requests; a mesh keeping`,
    `up runs ${(r.planes * 3 * r.probesPerPlane * r.minutes).toLocaleString("en-US")}). The hourly maintenance was fired once at the end and its units (the window's probe work during`,
    `it taken out) are charged over an hour's runs (${Math.round(r.runsPerHour).toLocaleString("en-US")}); it said: "${r.maintenanceLog}".` +
      (r.failedTicks > 0 ? ` ${r.failedTicks} minute tick(s) failed and were tried again the next minute.` : ""),
    `Prices: bench/prices.ts (${PRICES_SOURCE}, as of ${PRICES_AS_OF}).${note}`,
    "",
    table(
      ["unit", "per probe run", "$ per million probe runs"],
      [
        ...UNIT_NAMES.map((k) => [UNIT_LABELS[k], per(r.perRun[k]), dollars(r.dollars.byUnit[k])]),
        ["**all**", "", `**${dollars(r.dollars.total)}**`],
      ],
    ),
    "",
    `cost per million probe runs: ${dollars(r.dollars.total)}`,
    "",
    "Durable Object requests per probe run, by class and entry point:",
    "",
    table(
      ["class", "entry point", "per probe run"],
      r.requests.map((q) => [q.scope, `\`${q.entry}\``, per(q.perRun)]),
    ),
    "",
    `\`setAlarm\` calls per probe run, each billed as a row written: ${r.alarmsSet.map((a) => `${a.scope} ${per(a.perRun)}`).join(", ")}.`,
    "",
    "The statements that write rows, per probe run (the window; `sql` is a Durable Object's SQLite, `d1` is D1):",
    "",
    table(
      ["statement", "runs", "rows written", "rows read"],
      r.statements.map((st) => [
        `\`${st.statement.replace(/\|/g, "\\|")}\``,
        per(st.runsPerProbeRun),
        per(st.rowsWrittenPerRun),
        per(st.rowsReadPerRun),
      ]),
    ),
    "",
    "Not counted above: the maintenance rolls up complete hours only (the window's hour, if complete, at most) and a",
    "young mesh has nothing past its retention to prune. Each raw result row D1 holds is deleted once it expires, at about",
    `the rows its insert wrote (${per(r.rawInsertRowsPerRun)} per probe run here): counting those deletes, the cost is about ${dollars(withPruning)} per million`,
    "probe runs. Duration is an upper bound: locally every object shares one thread, and an object's active time",
    "includes waiting there for the others (the runtime's clock moves with I/O only, so time spent computing is not in it:",
    "the process's CPU is charged as object time beside it).",
    "",
    "Also once an hour, and not in the window (it starts a minute after the turn of an hour rather than hold it): the",
    "turn of the hour closes every (region, probe)'s hour, which goes to D1 whole through the outbox (a row in and out",
    "of it per report that closes one, 6 `results_hourly` and 1–2 `planes_hourly` rows a plane): about 10 rows a plane",
    "an hour, 0.03 a probe run at two probes a minute.",
    "",
  ];
}

const DETECTION_HEADING = "## 10. Detection latency";

/** Whether a size was measured: no polled plane read OK at T when the mesh is past what this machine runs. */
const measured = (row: DetectionRow) => row.sampled > 0;

function detectionTargets(rows: readonly DetectionRow[]): string[][] {
  return rows.map((row) => [
    `detection at ${row.planes.toLocaleString("en-US")} planes × 3, period ${row.periodSeconds} s ≤ period + timeout + 2 s (${detectionBoundMs(row.periodSeconds) / 1000} s)`,
    measured(row) ? `max ${fmt(row.observedMs.max / 1000)} s` : "not measured (see section 10)",
    measured(row) ? yes(row.missed === 0 && row.observedMs.max <= detectionBoundMs(row.periodSeconds)) : "",
  ]);
}

/** Section 10, also written alone by `npm run bench -- --detection`. */
function detectionSection(rows: readonly DetectionRow[], note: string): string[] {
  const s = (ms: number) => `${fmt(ms / 1000)} s`;
  return [
    DETECTION_HEADING,
    "",
    `Planes × 3 regions, one HTTP probe each per period (timeout ${DETECTION_TIMEOUT_SECONDS} s, failureThreshold 1, each plane's first run at a`,
    "different second of the period). Once the polled planes read OK and a few rounds have run, the target answers 503",
    "from time T on; `/api/v1/planes/{id}` of every plane (up to 100, else 100 spread evenly) is polled until each reads",
    "otherwise. Observed: T → the first answer showing the plane's new status (what a client of the API sees, within one",
    "round of polls); changed: T → the change the Plane object",
    "recorded (`since`). Target: ≤ period + timeout + 2 s. The period is 10 s at 100 planes and 30 s at 1,000: this",
    `machine runs about 100 probes a second next to everything else (section 1), and at 1,000 × 3 every 10 s the probes time out in the queue.${note}`,
    "",
    ...rows
      .filter((row) => !measured(row))
      .map(
        (row) =>
          `Not measured at ${row.planes.toLocaleString("en-US")} planes: after 180 s none of the polled planes read OK (${row.statusesAtStart}); this machine runs fewer probes a second than the mesh asks (section 1), so probes time out in the queue of the one local thread.\n`,
      ),
    table(
      [
        "planes × regions",
        "planes polled (not OK at T, left out)",
        "observed median",
        "observed max",
        "changed median",
        "changed max",
        "not seen",
        "poll round",
        "polls failed",
        "",
      ],
      rows
        .filter(measured)
        .map((row) => [
          `${row.planes.toLocaleString("en-US")} × 3, every ${row.periodSeconds} s`,
          `${row.sampled} (${row.notOkAtStart})`,
          s(row.observedMs.median),
          s(row.observedMs.max),
          s(row.changedMs.median),
          s(row.changedMs.max),
          String(row.missed),
          `${fmt(row.pollMs)} ms`,
          String(row.failedPolls),
          yes(row.missed === 0 && row.observedMs.max <= detectionBoundMs(row.periodSeconds)),
        ]),
    ),
    "",
  ];
}

function report(r: Results, command: string): string {
  const { throughput: t } = r;
  const meshOverRaw = t.mesh.probesPerSecond.median / t.rawFetch.probesPerSecond.median;
  const meshOverBlackbox = t.mesh.probesPerSecond.median / t.blackbox.probesPerSecond.median;
  const perCoreOverBlackbox = t.blackbox.cpuMsPerProbe.median / t.mesh.cpuMsPerProbe.median;
  const worstLatency = r.latency.reduce((worst, row) =>
    Math.abs(durationError(row, "mesh")) / allowedError(row.delayMs) > Math.abs(durationError(worst, "mesh")) / allowedError(worst.delayMs)
      ? row
      : worst,
  );
  const metrics1000 = r.scrapes.find((s) => s.planes === 1_000 && s.probesPerPlane === 1 && s.path === "/metrics");
  const loaded = Number(r.machine.load.split(" ")[0]) > r.machine.cores / 2;
  const md: string[] = [];
  md.push(
    "# planewatch benchmarks",
    "",
    `Measured ${r.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC with \`${command}\` (${r.quick ? "quick mode" : "full mode"}, ${Math.round(r.seconds)} s).`,
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB; Node ${r.machine.node}, workerd ${r.machine.workerd}, wrangler ${r.machine.wrangler}, blackbox_exporter ${r.machine.blackbox}.`,
    `Load average (1, 5, 15 min) at the start: ${r.machine.load}; at the end: ${r.loadAfter}.` +
      (loaded ? " **Measured under load** (other work shared the cores): the figures are noisy, and slower than on a quiet machine." : ""),
    "",
    "Every figure is the median of the runs, with the smallest and largest in brackets. Every target is a Node",
    "server the benchmark starts on 127.0.0.1; the mesh is a real `wrangler dev` with local D1 (see bench/*.ts for",
    "how each figure is taken). Reproduce with `npm run bench` (all sections) or `npm run bench -- --quick`.",
    "",
    "## Targets",
    "",
    table(
      ["target", "measured", ""],
      [
        [`throughput mesh / raw fetch ≥ ${TARGETS.meshOverRawFetch}`, fmt(meshOverRaw), yes(meshOverRaw >= TARGETS.meshOverRawFetch)],
        [
          `probe duration error ≤ ${TARGETS.durationErrorMs} ms or ${TARGETS.durationErrorShare * 100}%`,
          `worst ${fmt(durationError(worstLatency, "mesh"))} ms at ${worstLatency.delayMs} ms`,
          yes(r.latency.every((row) => Math.abs(durationError(row, "mesh")) <= allowedError(row.delayMs))),
        ],
        [
          `CPU per probe ≤ ${TARGETS.cpuMsPerProbe} ms (steady state, section 1)`,
          `${fmt(t.mesh.cpuMsPerProbe.median)} ms`,
          yes(t.mesh.cpuMsPerProbe.median <= TARGETS.cpuMsPerProbe),
        ],
        [
          `/metrics at 1,000 planes × 3 regions (one probe each) ≤ ${TARGETS.metricsMsAt1000} ms`,
          metrics1000 ? `${fmt(metrics1000.ms.median)} ms` : "not measured",
          metrics1000 ? yes(metrics1000.ms.median <= TARGETS.metricsMsAt1000) : "",
        ],
        webhookTarget(r.webhooks),
        costTarget(r.cost),
        ...detectionTargets(r.detection),
      ],
    ),
    "",
    `ratio mesh/raw-fetch: ${fmt(meshOverRaw)}`,
    `cost per million probe runs: ${dollars(r.cost.dollars.total)}`,
    "",
    "## 1. Probe throughput",
    "",
    `The mesh runs an HTTP probe of each of ${r.plan.throughput.planes} planes × 3 regions every second, more than its one local workerd`,
    `thread can do, so it runs at capacity: after three rounds and a warm-up window (discarded), ${r.plan.throughput.windows} windows of ${r.plan.throughput.windowSeconds} s`,
    "(each at least one report interval of the Prober objects, quick and full mode alike). The baselines are driven at the",
    `concurrency the target saw from the mesh (at most ${t.concurrency} in flight at once), after a warm-up run. Every Worker runs`,
    "without wrangler dev's local trace collector (scripts/mesh.ts).",
    "CPU is user + system time of the workerd processes (mesh, raw-fetch Worker) or of blackbox_exporter, per probe. Local",
    "Durable Object and D1 state lives on /dev/shm, so the shared disk does not set the pace.",
    "",
    table(
      ["prober", "probes/s", "CPU ms per probe", "probes per CPU-second"],
      (
        [
          ["planewatch mesh (wrangler dev)", t.mesh],
          ["raw fetch Worker, same runtime", t.rawFetch],
          ["bare Durable Objects (alarm, fetch, next alarm), same runtime", t.bareObject],
          ["blackbox_exporter", t.blackbox],
        ] as const
      ).map(([name, rate]) => [name, show(rate.probesPerSecond), show(rate.cpuMsPerProbe), fmt(1000 / rate.cpuMsPerProbe.median)]),
    ),
    "",
    `mesh / raw fetch: ${fmt(meshOverRaw)}; mesh / blackbox_exporter: ${fmt(meshOverBlackbox)}; per CPU core (probes per CPU-second), mesh / blackbox_exporter: ${fmt(perCoreOverBlackbox)}.`,
    "",
    `The bare Durable Objects are the floor under the mesh: as many as its Prober objects, each running one HTTP probe on its`,
    `own alarm every second and nothing more (bench/worker.ts), measured the same way. A probe run costs them ${fmt(t.bareObject.cpuMsPerProbe.median)} ms of CPU;`,
    `what the mesh spends beyond that (${fmt(t.mesh.cpuMsPerProbe.median - t.bareObject.cpuMsPerProbe.median)} ms) is planewatch's: judging, keeping and reporting the result.`,
    "",
    "## 2. Latency accuracy",
    "",
    `The reported probe_duration_seconds (ms) against the injected delay: ${r.plan.latency.rounds * r.plan.latency.samples} samples of each, no two probes in the same second.`,
    "",
    table(
      ["delay", "mesh", "mesh error", "blackbox_exporter", "blackbox error", "allowed"],
      r.latency.map((row) => [
        `${row.delayMs} ms`,
        show(row.mesh),
        `${fmt(durationError(row, "mesh"))} ms`,
        show(row.blackbox),
        `${fmt(durationError(row, "blackbox"))} ms`,
        `±${fmt(allowedError(row.delayMs))} ms`,
      ]),
    ),
    "",
    "## 3. A cron tick",
    "",
    "A fresh mesh per run (so the round creates every Prober and Plane object); the probes of a (plane, region) run",
    "together in its Prober object. Fan-out: the scheduled handler until it returned; landed: tick → every result in",
    "D1; CPU: workerd time from the tick until landed, per probe; failed: probes that failed, in the run with most",
    `(their timeout is ${TIMEOUT_SECONDS} s: locally every object shares one workerd thread, and a probe waits there while it creates`,
    "thousands of objects). Warm tick: a second tick with every alarm armed, i.e. the fan-out alone, per (plane, region).",
    "Invocations and subrequests are from the cron's own log line.",
    "",
    table(
      [
        "planes × regions × probes",
        "fan-out ms",
        "landed ms",
        "CPU ms / probe",
        "failed",
        "warm tick ms",
        "warm CPU ms / target",
        "invocations",
        "most subrequests",
      ],
      r.ticks.map((row) => [
        `${row.planes.toLocaleString("en-US")} × 3 × ${row.probesPerPlane}`,
        show(row.fanoutMs),
        show(row.landedMs),
        show(row.cpuMsPerProbe),
        row.failed,
        show(row.warmTickMs),
        show(row.warmTickCpuMsPerTarget),
        String(row.invocations),
        String(row.mostSubrequests),
      ]),
    ),
    "",
    ...r.notRun.map(
      (n) =>
        `Not run locally at ${n.planes.toLocaleString("en-US")} planes × 3: it ${n.reason}. Each local Durable Object keeps its SQLite files ` +
        "open, and every object of the mesh lives in one workerd process; on Cloudflare they are spread over machines. Run with a higher " +
        "limit to include it; the fan-out's bound at 5,000 × 3 is proven by test/unit/dispatch.test.ts.\n",
    ),
    "## 4. Scrapes",
    "",
    "Once every result of the tick is published, in text format, gzip accepted as Prometheus asks, after one warm-up scrape",
    "of each path (discarded). Time to the last byte, bytes of the",
    "exposition and (gzipped) on the wire, and workerd CPU per scrape (the whole mesh process, idle otherwise). Subrequests: one",
    "read per Summary shard, the mesh's own count; a scrape reads no D1 and no Plane object.",
    "",
    table(
      ["planes × regions × probes", "path", "status", "ms", "bytes", "bytes on the wire", "CPU ms", "subrequests", "D1 reads"],
      r.scrapes.map((s) => {
        const ok = s.status === 200;
        return [
          `${s.planes.toLocaleString("en-US")} × 3 × ${s.probesPerPlane}`,
          `\`${s.path}\``,
          String(s.status),
          ok ? show(s.ms) : "—",
          ok ? s.bytes.toLocaleString("en-US") : "—",
          ok ? s.wireBytes.toLocaleString("en-US") : "—",
          ok ? show(s.cpuMs) : "—",
          String(s.subrequests),
          "0",
        ];
      }),
    ),
    "",
    ...historySection(r.history, r.plan.history, ""),
    ...webhookSection(r.webhooks, r.plan.webhooks, ""),
    ...llmSection(r.llm, r.plan.llm.samples, ""),
    ...pageSection(r.page, ""),
    ...costSection(r.cost, ""),
    ...detectionSection(r.detection, ""),
  );
  return md.join("\n");
}

const quick = process.argv.includes("--quick");
const plan = quick ? QUICK : FULL;
const command = quick ? "npm run bench -- --quick" : "npm run bench";

/**
 * Writes one section in place of the one under the same heading in BENCHMARKS.md (up to the
 * next section), or at the end when it has none, with the time and load it was measured at.
 */
async function sectionOnly(heading: string, flag: string, measure: () => Promise<(note: string) => string[]>): Promise<void> {
  const at = new Date().toISOString().slice(0, 16).replace("T", " ");
  const loadBefore = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  const m = machine();
  const section = await measure();
  const loadAfter = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  const lines = section(
    ` Measured alone ${at} UTC with \`npm run bench -- ${flag}${quick ? " --quick" : ""}\` on ${m.cpu}, ${m.cores} cores, Node ${m.node}, workerd ${m.workerd}; load average ${loadBefore} before, ${loadAfter} after.`,
  );
  const file = join(ROOT, "BENCHMARKS.md");
  const current = readFileSync(file, "utf8");
  const start = current.indexOf(heading);
  const next = start === -1 ? -1 : current.indexOf("\n## ", start + heading.length);
  const before = start === -1 ? `${current.trimEnd()}\n\n` : current.slice(0, start);
  const after = next === -1 ? "" : `\n${current.slice(next + 1)}`;
  writeFileSync(file, before + lines.join("\n") + after);
  console.log(lines.join("\n"));
}

/** `npm run bench -- --llm [--quick]`: section 7 alone. */
if (process.argv.includes("--llm")) {
  await sectionOnly(LLM_HEADING, "--llm", async () => {
    const rows = await benchLlm(plan.llm.samples);
    return (note) => llmSection(rows, plan.llm.samples, note);
  });
  process.exit(0);
}
/** `npm run bench -- --history [--quick]`: section 5 alone. */
if (process.argv.includes("--history")) {
  await sectionOnly(HISTORY_HEADING, "--history", async () => {
    const dir = mkdtempSync(join(tmpdir(), "planewatch-bench-"));
    applyMigrations(dir, "bench/wrangler.bench.toml");
    const worker = await startWorker({ config: "bench/wrangler.bench.toml", persistDir: dir, readyPath: "/fetch?n=0&url=x" });
    try {
      const result = await benchHistory(worker, dir, plan.history);
      return (note) => historySection(result, plan.history, note);
    } finally {
      await worker.stop();
    }
  });
  process.exit(0);
}
/** `npm run bench -- --webhooks [--quick]`: section 6 alone. */
if (process.argv.includes("--webhooks")) {
  await sectionOnly(WEBHOOKS_HEADING, "--webhooks", async () => {
    const result = await benchWebhooks(plan.webhooks);
    return (note) => [...webhookSection(result, plan.webhooks, note), table(["target", "measured", ""], [webhookTarget(result)]), ""];
  });
  process.exit(0);
}
/** `npm run bench -- --page [--quick]`: section 8 alone. */
if (process.argv.includes("--page")) {
  await sectionOnly(PAGE_HEADING, "--page", async () => {
    const result = await benchPage(plan.page);
    return (note) => pageSection(result, note);
  });
  process.exit(0);
}
/** Sections 9 and 10 probe from thousands of objects once a period: see startTarget. */
const SHORT_KEEP_ALIVE_MS = 1_000;

/** `npm run bench -- --cost [--quick]`: section 9 alone. */
if (process.argv.includes("--cost")) {
  await sectionOnly(COST_HEADING, "--cost", async () => {
    const target = await startTarget({ keepAliveMs: SHORT_KEEP_ALIVE_MS });
    try {
      const result = await benchProbeCost(target, plan.cost);
      console.log(`cost per million probe runs: ${dollars(result.dollars.total)}`);
      return (note) => [...costSection(result, note), table(["target", "measured", ""], [costTarget(result)]), ""];
    } finally {
      await target.stop();
    }
  });
  process.exit(0);
}
/** `npm run bench -- --detection [--quick]`: section 10 alone. */
if (process.argv.includes("--detection")) {
  await sectionOnly(DETECTION_HEADING, "--detection", async () => {
    const target = await startTarget({ keepAliveMs: SHORT_KEEP_ALIVE_MS });
    try {
      const rows: DetectionRow[] = [];
      for (const size of plan.detection) rows.push(await benchDetection(target, size));
      return (note) => [...detectionSection(rows, note), table(["target", "measured", ""], detectionTargets(rows)), ""];
    } finally {
      await target.stop();
    }
  });
  process.exit(0);
}
const startedAt = new Date();
const started = performance.now();
const info = machine();
const step = (name: string) => console.log(`[bench] ${name} (${Math.round((performance.now() - started) / 1000)} s)`);

const target = await startTarget();
const benchDir = mkdtempSync(join(tmpdir(), "planewatch-bench-"));
applyMigrations(benchDir, "bench/wrangler.bench.toml");
const bench = await startWorker({ config: "bench/wrangler.bench.toml", persistDir: benchDir, readyPath: "/fetch?n=0&url=x" });
try {
  step("1. probe throughput");
  const throughput = await benchThroughput(target, bench, plan.throughput);
  step("2. latency accuracy");
  const latency = await benchLatency(target, plan.latency.rounds, plan.latency.samples);
  const ticks: TickRow[] = [];
  const notRun: Results["notRun"] = [];
  const scrapes: ScrapeRow[] = [];
  for (const size of plan.ticks) {
    const files = size.planes * (REGIONS_PER_PLANE + 1) * OPEN_FILES_PER_LOCAL_OBJECT;
    if (files > openFilesLimit()) {
      notRun.push({
        planes: size.planes,
        reason: `needs about ${files.toLocaleString("en-US")} open files; this machine allows ${openFilesLimit().toLocaleString("en-US")} (ulimit -n)`,
      });
      continue;
    }
    step(`3./4. tick and scrapes at ${size.planes} planes × 3 × ${size.probesPerPlane}`);
    const measured = await benchTick(target, size);
    ticks.push(measured.tick);
    scrapes.push(...measured.scrapes);
  }
  step("5. history");
  const history = await benchHistory(bench, benchDir, plan.history);
  step("6. webhooks");
  const webhooks = await benchWebhooks(plan.webhooks);
  step("7. streamed chat completions");
  const llm = await benchLlm(plan.llm.samples);
  step("8. status page");
  const page = await benchPage(plan.page);
  step("9. cost per probe run");
  const shortTarget = await startTarget({ keepAliveMs: SHORT_KEEP_ALIVE_MS });
  const detection: DetectionRow[] = [];
  let cost: CostResult;
  try {
    cost = await benchProbeCost(shortTarget, plan.cost);
    step("10. detection latency");
    for (const size of plan.detection) detection.push(await benchDetection(shortTarget, size));
  } finally {
    await shortTarget.stop();
  }
  const results: Results = {
    machine: info,
    quick,
    plan,
    startedAt,
    seconds: (performance.now() - started) / 1000,
    loadAfter: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
    throughput,
    latency,
    ticks,
    notRun,
    scrapes,
    history,
    webhooks,
    llm,
    page,
    cost,
    detection,
  };
  writeFileSync(join(ROOT, "BENCHMARKS.md"), report(results, command));
  step("done: BENCHMARKS.md written");
  if (quick) {
    console.log(`ratio mesh/raw-fetch: ${fmt(throughput.mesh.probesPerSecond.median / throughput.rawFetch.probesPerSecond.median)}`);
    console.log(`cost per million probe runs: ${dollars(cost.dollars.total)}`);
  }
} finally {
  await bench.stop();
  await target.stop();
}
