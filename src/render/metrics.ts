import { probeName } from "../config/schema.ts";
import { speaksHttp } from "../probes/registry.ts";
import { PLANE_STATUSES } from "../status/model.ts";
import type { StreamFigures } from "../status/model.ts";
import type { CounterValue, LatencyHistogram, LatestResult } from "../status/snapshot.ts";
import type { PlaneView } from "./view.ts";
import {
  expositionEnd,
  familyHeader,
  formatBound,
  lazySamples,
  sampleLine,
  type ExpositionFormat,
  type MetricFamily,
  type Sample,
} from "./prometheus.ts";

/**
 * HELP text of the counters the Plane objects keep, by family name (their series, and the
 * names they are kept under, end in `_total`); a counter not listed here is not exported.
 */
const COUNTERS: Record<string, string> = {
  planewatch_probe_runs: "Probe runs, by outcome.",
  planewatch_probe_attempts: "Probe attempts made from regions, fast retries included: above the runs, retries are absorbing failures.",
  planewatch_history_dropped: "History rows dropped because D1 stayed unreachable past the outbox limit.",
  planewatch_webhook_deliveries:
    "Async webhook deliveries by outcome: matched, duplicate, late, unknown, bad_token, bad_signature, too_large, invalid, stale.",
};

/** HELP text of the gauges the Plane objects report. */
const GAUGES: Record<string, string> = {
  planewatch_async_pending: "Async requests submitted and not judged yet.",
};

const INF = formatBound(Infinity);

/** A family of per-plane series: its metadata, and the samples of one plane. */
interface PlaneFamily extends Omit<MetricFamily, "samples"> {
  samplesOf: (v: PlaneView) => Iterable<Sample>;
}

function family(
  name: string,
  type: MetricFamily["type"],
  help: string,
  samplesOf: (v: PlaneView) => Iterable<Sample>,
  unit?: string,
): PlaneFamily {
  return { name, help, type, samplesOf, ...(unit === undefined ? {} : { unit }) };
}

/** One gauge sample per fresh (region, probe) result of a plane; `value` null leaves a result out. */
function* perProbe(v: PlaneView, value: (r: LatestResult) => number | null): Generator<Sample> {
  for (const r of v.fresh) {
    const x = value(r);
    if (x !== null) yield { labels: { plane: v.plane.id, region: r.region, probe: r.probe }, value: x };
  }
}

/** One gauge sample per fresh result that measured the figure, scaled (milliseconds to seconds). */
function perFigure(v: PlaneView, figure: keyof StreamFigures, scale: number): Generator<Sample> {
  return perProbe(v, (r) => {
    const value = r.figures?.[figure];
    return value === undefined ? null : value * scale;
  });
}

/** Each (region, probe) histogram of a plane as `_bucket` (with `+Inf`), `_sum` and `_count` samples. */
function* histogramSamples(v: PlaneView, histograms: readonly LatencyHistogram[]): Generator<Sample> {
  for (const h of histograms) {
    const labels = { plane: v.plane.id, region: h.region, probe: h.probe };
    for (const [i, bound] of h.bounds.entries())
      yield { suffix: "_bucket", labels: { ...labels, le: formatBound(bound) }, value: h.counts[i]! };
    yield { suffix: "_bucket", labels: { ...labels, le: INF }, value: h.count };
    yield { suffix: "_sum", labels, value: h.sum };
    yield { suffix: "_count", labels, value: h.count };
  }
}

/** The families of every plane, in the order a scrape writes them. */
const PLANE_FAMILIES: readonly PlaneFamily[] = [
  family("workload_plane_health_status", "gauge", "Status of the workload plane: 1 for the current status, 0 for the others.", (v) =>
    PLANE_STATUSES.map((status) => ({ labels: { plane: v.plane.id, status }, value: v.status === status ? 1 : 0 })),
  ),
  family("workload_plane_maintenance", "gauge", "1 while the plane is in a maintenance window (alerts wait), 0 otherwise.", (v) => [
    { labels: { plane: v.plane.id }, value: v.maintenance ? 1 : 0 },
  ]),
  family("workload_plane_flapping", "gauge", "1 while the plane changes status too often to alert on each change, 0 otherwise.", (v) => [
    { labels: { plane: v.plane.id }, value: v.flapping ? 1 : 0 },
  ]),
  family(
    "planewatch_plane_status_since_timestamp_seconds",
    "gauge",
    "When the plane entered its current status (Unix time).",
    (v) => (v.snapshot.since > 0 ? [{ labels: { plane: v.plane.id }, value: v.snapshot.since / 1000 }] : []),
    "seconds",
  ),
  family(
    "planewatch_probe_info",
    "gauge",
    "1 for every configured probe, labelled with its kind and criticality: join on (plane, probe) to select by kind.",
    (v) =>
      v.plane.probes.map((p) => ({
        labels: { plane: v.plane.id, probe: probeName(p), kind: p.kind, critical: String(p.critical) },
        value: 1,
      })),
  ),
  family("probe_success", "gauge", "Whether the latest run of the probe succeeded.", (v) => perProbe(v, (r) => (r.ok ? 1 : 0))),
  family(
    "probe_duration_seconds",
    "gauge",
    "How long the latest run of the probe took.",
    (v) => perProbe(v, (r) => r.latencyMs / 1000),
    "seconds",
  ),
  family("probe_http_status_code", "gauge", "HTTP status code of the latest run of the probe, 0 when no response came.", (v) =>
    // Only kinds that speak HTTP have a status code to give.
    perProbe(v, (r) => (speaksHttp(r.kind) ? (r.httpStatus ?? 0) : null)),
  ),
  family(
    "planewatch_probe_last_run_timestamp_seconds",
    "gauge",
    "When the latest run of the probe started (Unix time).",
    (v) => perProbe(v, (r) => r.at / 1000),
    "seconds",
  ),
  family(
    "planewatch_probe_duration_seconds",
    "histogram",
    "How long probe runs took, every run since the plane was first probed.",
    (v) => histogramSamples(v, v.snapshot.histograms),
    "seconds",
  ),
  ...Object.entries(COUNTERS).map(([name, help]) => family(name, "counter", help, (v) => kept(v, v.snapshot.counters, `${name}_total`))),
  ...Object.entries(GAUGES).map(([name, help]) => family(name, "gauge", help, (v) => kept(v, v.snapshot.gauges, name))),
  // Streamed answers (chat_completions, streamed sync_predict). Last, so a Summary shard's
  // lines rendered before these families existed still line up with the ones above.
  family(
    "probe_llm_time_to_first_token_seconds",
    "gauge",
    "Time from the request to the first content token of the latest run.",
    (v) => perFigure(v, "timeToFirstTokenMs", 1 / 1000),
    "seconds",
  ),
  family(
    "planewatch_llm_time_to_first_token_seconds",
    "histogram",
    "Times to first token of the runs, every run since the plane was first probed.",
    (v) => histogramSamples(v, v.snapshot.firstTokenHistograms ?? []),
    "seconds",
  ),
  family("probe_llm_output_tokens", "gauge", "Tokens the latest run's answer had (usage, or content chunks counted).", (v) =>
    perFigure(v, "outputTokens", 1),
  ),
  family("probe_llm_tokens_per_second", "gauge", "Tokens a second over the latest run's generation phase.", (v) =>
    perFigure(v, "tokensPerSecond", 1),
  ),
  family(
    "probe_llm_max_inter_token_gap_seconds",
    "gauge",
    "The longest wait between two chunks of the latest run's stream, after the first token.",
    (v) => perFigure(v, "maxInterTokenGapMs", 1 / 1000),
    "seconds",
  ),
  family(
    "probe_stream_time_to_first_byte_seconds",
    "gauge",
    "Time from the request to the first byte of the latest run's streamed answer.",
    (v) => perFigure(v, "timeToFirstByteMs", 1 / 1000),
    "seconds",
  ),
];

/** The metric families of every plane, from their views, samples made as they are read. Families stay contiguous by construction. */
export function planeFamilies(views: readonly PlaneView[]): MetricFamily[] {
  return PLANE_FAMILIES.map(({ samplesOf, ...meta }) => ({
    ...meta,
    samples: lazySamples(function* () {
      for (const v of views) yield* samplesOf(v);
    }),
  }));
}

/**
 * One plane's part of each family (in PLANE_FAMILIES order) as exposition lines, the same in
 * both formats: a Summary shard keeps them, so a scrape joins text instead of formatting
 * every sample again.
 */
export function renderPlane(v: PlaneView): string[] {
  return PLANE_FAMILIES.map((f) => {
    let lines = "";
    for (const s of f.samplesOf(v)) lines += sampleLine(f, s);
    return lines;
  });
}

/** Characters per chunk of a streamed scrape. */
const CHUNK_CHARS = 256 * 1024;

/**
 * A whole scrape from each plane's lines (renderPlane), in chunks: whether the config is
 * valid and, when it is (planes not null), every plane. A family no plane has samples of is
 * left out.
 */
export function* renderScrape(planes: ReadonlyArray<readonly string[]> | null, format: ExpositionFormat): Generator<string> {
  const valid = configValid(planes !== null);
  let chunk = familyHeader(valid, format) + sampleLine(valid, valid.samples[0]!);
  for (const [i, f] of PLANE_FAMILIES.entries()) {
    let header = familyHeader(f, format);
    for (const lines of planes ?? []) {
      if (!lines[i]) continue;
      chunk += header + lines[i];
      header = "";
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = "";
      }
    }
  }
  yield chunk + expositionEnd(format);
}

function configValid(valid: boolean): MetricFamily & { samples: Sample[] } {
  return {
    name: "planewatch_config_valid",
    help: "1 if the planes config is valid, 0 if it is refused (see /healthz/readyz).",
    type: "gauge",
    samples: [{ labels: {}, value: valid ? 1 : 0 }],
  };
}

/** The values a Plane object keeps under one name, labelled with the plane. */
function kept(v: PlaneView, values: readonly CounterValue[], name: string): Sample[] {
  return values.filter((c) => c.name === name).map((c) => ({ labels: { plane: v.plane.id, ...c.labels }, value: c.value }));
}

/**
 * What a scrape exposes, as families (for selecting samples): whether the config is valid
 * and, when it is (views not null), every plane. Pure, so the cost of a scrape can be
 * measured on synthetic planes.
 */
export function scrapeFamilies(views: readonly PlaneView[] | null): MetricFamily[] {
  return [configValid(views !== null), ...(views === null ? [] : planeFamilies(views))];
}
