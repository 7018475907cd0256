import type { LatencyHistogram } from "./snapshot.ts";

export type HistogramCounts = Omit<LatencyHistogram, "region" | "probe">;

/**
 * Counts latencies (seconds) into a histogram with the current bounds. When the bounds changed,
 * the buckets that stay and the totals (`_count`, `_sum`, `+Inf`) keep counting, removed bounds
 * are dropped and added bounds start at zero: no series ever decreases, so Prometheus never
 * reads a counter reset; quantiles over rate() windows that start after the change are exact.
 */
export function observe(previous: HistogramCounts | null, seconds: readonly number[], bounds: readonly number[]): HistogramCounts {
  return {
    bounds: [...bounds],
    counts: bounds.map((le) => {
      const kept = previous?.bounds.indexOf(le) ?? -1;
      return (kept >= 0 ? previous!.counts[kept]! : 0) + seconds.filter((s) => s <= le).length;
    }),
    sum: (previous?.sum ?? 0) + seconds.reduce((a, b) => a + b, 0),
    count: (previous?.count ?? 0) + seconds.length,
  };
}
