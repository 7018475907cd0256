import { PLANE_STATUSES } from "../status/model.ts";
import type { PlaneView } from "./collect.ts";
import { formatBound, type MetricFamily, type Sample } from "./prometheus.ts";

/**
 * HELP text of the counters the Plane objects keep, by family name (their series, and the
 * names they are kept under, end in `_total`); a counter not listed here is not exported.
 */
const COUNTERS: Record<string, string> = {
  planewatch_probe_runs: "Probe runs, by outcome.",
  planewatch_history_dropped: "History rows dropped because D1 stayed unreachable past the outbox limit.",
};

/** Kinds that speak HTTP: they get probe_http_status_code (0 when no response came). */
const HTTP_KINDS = new Set(["sync_predict", "http"]);

function gauge(name: string, help: string, samples: Sample[], unit?: string): MetricFamily {
  return { name, help, type: "gauge", samples, ...(unit === undefined ? {} : { unit }) };
}

/** Each (region, probe) histogram of a plane as `_bucket` (with `+Inf`), `_sum` and `_count` samples. */
function latencySamples(v: PlaneView): Sample[] {
  return v.snapshot.histograms.flatMap((h) => {
    const labels = { plane: v.plane.id, region: h.region, probe: h.probe };
    return [
      ...h.buckets.map((b): Sample => ({ suffix: "_bucket", labels: { ...labels, le: formatBound(b.le) }, value: b.count })),
      { suffix: "_bucket", labels: { ...labels, le: formatBound(Infinity) }, value: h.count },
      { suffix: "_sum", labels, value: h.sum },
      { suffix: "_count", labels, value: h.count },
    ];
  });
}

/** The metric families of every plane, from their views. Families stay contiguous by construction. */
export function planeFamilies(views: readonly PlaneView[]): MetricFamily[] {
  const perProbe = (v: PlaneView, value: (r: PlaneView["fresh"][number]) => number | null): Sample[] =>
    v.fresh.flatMap((r) => {
      const x = value(r);
      return x === null ? [] : [{ labels: { plane: v.plane.id, region: r.region, probe: r.probe }, value: x }];
    });

  const families: MetricFamily[] = [
    gauge(
      "workload_plane_health_status",
      "Status of the workload plane: 1 for the current status, 0 for the others.",
      views.flatMap((v) => PLANE_STATUSES.map((status) => ({ labels: { plane: v.plane.id, status }, value: v.status === status ? 1 : 0 }))),
    ),
    gauge(
      "planewatch_plane_status_since_timestamp_seconds",
      "When the plane entered its current status (Unix time).",
      views.filter((v) => v.snapshot.since > 0).map((v) => ({ labels: { plane: v.plane.id }, value: v.snapshot.since / 1000 })),
      "seconds",
    ),
    gauge("probe_success", "Whether the latest run of the probe succeeded.", views.flatMap((v) => perProbe(v, (r) => (r.ok ? 1 : 0)))),
    gauge(
      "probe_duration_seconds",
      "How long the latest run of the probe took.",
      views.flatMap((v) => perProbe(v, (r) => r.latencyMs / 1000)),
      "seconds",
    ),
    gauge(
      "probe_http_status_code",
      "HTTP status code of the latest run of the probe, 0 when no response came.",
      views.flatMap((v) => perProbe(v, (r) => (HTTP_KINDS.has(r.kind) ? (r.httpStatus ?? 0) : null))),
    ),
    gauge(
      "planewatch_probe_last_run_timestamp_seconds",
      "When the latest run of the probe started (Unix time).",
      views.flatMap((v) => perProbe(v, (r) => r.at / 1000)),
      "seconds",
    ),
    {
      name: "planewatch_probe_duration_seconds",
      help: "How long probe runs took, every run since the plane was first probed.",
      type: "histogram",
      unit: "seconds",
      samples: views.flatMap(latencySamples),
    },
  ];

  for (const [name, help] of Object.entries(COUNTERS)) {
    families.push({
      name,
      help,
      type: "counter",
      samples: views.flatMap((v) =>
        v.snapshot.counters
          .filter((c) => c.name === `${name}_total`)
          .map((c) => ({ labels: { plane: v.plane.id, ...c.labels }, value: c.value })),
      ),
    });
  }
  return families;
}

/**
 * What a scrape exposes: whether the config is valid and, when it is (views not null), every
 * plane. Pure, so the cost of a scrape can be measured on synthetic planes.
 */
export function scrapeFamilies(views: readonly PlaneView[] | null): MetricFamily[] {
  const valid = gauge("planewatch_config_valid", "1 if the planes config is valid, 0 if it is refused (see /healthz/readyz).", [
    { labels: {}, value: views === null ? 0 : 1 },
  ]);
  return [valid, ...(views === null ? [] : planeFamilies(views))];
}
