import { PLANE_STATUSES } from "../status/model.ts";
import type { CounterValue, LatestResult } from "../status/snapshot.ts";
import type { PlaneView } from "./collect.ts";
import { formatBound, lazySamples, type MetricFamily, type Sample } from "./prometheus.ts";

/**
 * HELP text of the counters the Plane objects keep, by family name (their series, and the
 * names they are kept under, end in `_total`); a counter not listed here is not exported.
 */
const COUNTERS: Record<string, string> = {
  planewatch_probe_runs: "Probe runs, by outcome.",
  planewatch_history_dropped: "History rows dropped because D1 stayed unreachable past the outbox limit.",
  planewatch_webhook_deliveries:
    "Async webhook deliveries by outcome: matched, duplicate, late, unknown, bad_token, bad_signature, too_large, invalid, stale.",
};

/** HELP text of the gauges the Plane objects report. */
const GAUGES: Record<string, string> = {
  planewatch_async_pending: "Async requests submitted and not judged yet.",
};

/** Kinds that speak HTTP: they get probe_http_status_code (0 when no response came). */
const HTTP_KINDS = new Set(["sync_predict", "async_predict", "http"]);

const INF = formatBound(Infinity);

/** A family whose samples are made, plane by plane, only while the exposition is written. */
function family(
  name: string,
  type: MetricFamily["type"],
  help: string,
  views: readonly PlaneView[],
  samplesOf: (v: PlaneView) => Iterable<Sample>,
  unit?: string,
): MetricFamily {
  return {
    name,
    help,
    type,
    ...(unit === undefined ? {} : { unit }),
    samples: lazySamples(function* () {
      for (const v of views) yield* samplesOf(v);
    }),
  };
}

/** One gauge sample per fresh (region, probe) result of a plane; `value` null leaves a result out. */
function* perProbe(v: PlaneView, value: (r: LatestResult) => number | null): Generator<Sample> {
  for (const r of v.fresh) {
    const x = value(r);
    if (x !== null) yield { labels: { plane: v.plane.id, region: r.region, probe: r.probe }, value: x };
  }
}

/** Each (region, probe) histogram of a plane as `_bucket` (with `+Inf`), `_sum` and `_count` samples. */
function* latencySamples(v: PlaneView): Generator<Sample> {
  for (const h of v.snapshot.histograms) {
    const labels = { plane: v.plane.id, region: h.region, probe: h.probe };
    for (const [i, bound] of h.bounds.entries()) yield { suffix: "_bucket", labels: { ...labels, le: formatBound(bound) }, value: h.counts[i]! };
    yield { suffix: "_bucket", labels: { ...labels, le: INF }, value: h.count };
    yield { suffix: "_sum", labels, value: h.sum };
    yield { suffix: "_count", labels, value: h.count };
  }
}

/** The metric families of every plane, from their views. Families stay contiguous by construction. */
export function planeFamilies(views: readonly PlaneView[]): MetricFamily[] {
  return [
    family("workload_plane_health_status", "gauge", "Status of the workload plane: 1 for the current status, 0 for the others.", views, (v) =>
      PLANE_STATUSES.map((status) => ({ labels: { plane: v.plane.id, status }, value: v.status === status ? 1 : 0 })),
    ),
    family(
      "planewatch_plane_status_since_timestamp_seconds",
      "gauge",
      "When the plane entered its current status (Unix time).",
      views,
      (v) => (v.snapshot.since > 0 ? [{ labels: { plane: v.plane.id }, value: v.snapshot.since / 1000 }] : []),
      "seconds",
    ),
    family("probe_success", "gauge", "Whether the latest run of the probe succeeded.", views, (v) => perProbe(v, (r) => (r.ok ? 1 : 0))),
    family("probe_duration_seconds", "gauge", "How long the latest run of the probe took.", views, (v) => perProbe(v, (r) => r.latencyMs / 1000), "seconds"),
    family("probe_http_status_code", "gauge", "HTTP status code of the latest run of the probe, 0 when no response came.", views, (v) =>
      perProbe(v, (r) => (HTTP_KINDS.has(r.kind) ? (r.httpStatus ?? 0) : null)),
    ),
    family(
      "planewatch_probe_last_run_timestamp_seconds",
      "gauge",
      "When the latest run of the probe started (Unix time).",
      views,
      (v) => perProbe(v, (r) => r.at / 1000),
      "seconds",
    ),
    family(
      "planewatch_probe_duration_seconds",
      "histogram",
      "How long probe runs took, every run since the plane was first probed.",
      views,
      latencySamples,
      "seconds",
    ),
    ...Object.entries(COUNTERS).map(([name, help]) => family(name, "counter", help, views, (v) => kept(v, v.snapshot.counters, `${name}_total`))),
    ...Object.entries(GAUGES).map(([name, help]) => family(name, "gauge", help, views, (v) => kept(v, v.snapshot.gauges, name))),
  ];
}

/** The values a Plane object keeps under one name, labelled with the plane. */
function kept(v: PlaneView, values: readonly CounterValue[], name: string): Sample[] {
  return values.filter((c) => c.name === name).map((c) => ({ labels: { plane: v.plane.id, ...c.labels }, value: c.value }));
}

/**
 * What a scrape exposes: whether the config is valid and, when it is (views not null), every
 * plane. Pure, so the cost of a scrape can be measured on synthetic planes.
 */
export function scrapeFamilies(views: readonly PlaneView[] | null): MetricFamily[] {
  const valid: MetricFamily = {
    name: "planewatch_config_valid",
    help: "1 if the planes config is valid, 0 if it is refused (see /healthz/readyz).",
    type: "gauge",
    samples: [{ labels: {}, value: views === null ? 0 : 1 }],
  };
  return [valid, ...(views === null ? [] : planeFamilies(views))];
}
