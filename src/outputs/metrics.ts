import { PLANE_STATUSES } from "../status/model.ts";
import type { CounterValue } from "../status/snapshot.ts";
import type { PlaneView } from "./collect.ts";
import type { MetricFamily, Sample } from "./prometheus.ts";

/** HELP text of the counters the Plane objects keep; a counter not listed here is not exported. */
const COUNTERS: Record<string, string> = {
  planewatch_probe_runs_total: "Probe runs, by outcome.",
  planewatch_history_dropped_total: "History rows dropped because D1 stayed unreachable past the outbox limit.",
  planewatch_webhook_deliveries_total:
    "Async webhook deliveries by outcome: matched, duplicate, late, unknown, bad_token, bad_signature, too_large, invalid, stale.",
};

/** HELP text of the gauges the Plane objects report. */
const GAUGES: Record<string, string> = {
  planewatch_async_pending: "Async requests submitted and not judged yet.",
};

/** Kinds that speak HTTP: they get probe_http_status_code (0 when no response came). */
const HTTP_KINDS = new Set(["sync_predict", "async_predict", "http"]);

function gauge(name: string, help: string, samples: Sample[]): MetricFamily {
  return { name, help, type: "gauge", samples };
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
    ),
    gauge("probe_success", "Whether the latest run of the probe succeeded.", views.flatMap((v) => perProbe(v, (r) => (r.ok ? 1 : 0)))),
    gauge(
      "probe_duration_seconds",
      "How long the latest run of the probe took.",
      views.flatMap((v) => perProbe(v, (r) => r.latencyMs / 1000)),
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
    ),
  ];

  const kept = (type: "counter" | "gauge", catalog: Record<string, string>, values: (v: PlaneView) => CounterValue[]) =>
    Object.entries(catalog).map(([name, help]) => ({
      name,
      help,
      type,
      samples: views.flatMap((v) =>
        values(v)
          .filter((c) => c.name === name)
          .map((c) => ({ labels: { plane: v.plane.id, ...c.labels }, value: c.value })),
      ),
    }));
  return [...families, ...kept("counter", COUNTERS, (v) => v.snapshot.counters), ...kept("gauge", GAUGES, (v) => v.snapshot.gauges)];
}

/** Whether the config is valid: with an invalid config nothing is probed and no plane is listed. */
export function configFamily(valid: boolean): MetricFamily {
  return gauge("planewatch_config_valid", "1 if the planes config is valid, 0 if it is refused (see /healthz/readyz).", [
    { labels: {}, value: valid ? 1 : 0 },
  ]);
}
