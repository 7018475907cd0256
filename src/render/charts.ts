/**
 * Latency charts as inline SVG, drawn on the server: nothing to load, readable without script.
 * Colours come from CSS classes (series-0 …), so dark mode restyles them.
 */
import { escapeHtml } from "../lib/html.ts";

export interface ChartPoint {
  at: number;
  ms: number;
}

/** A line of the chart: points sorted by time; `dashed` draws p95 apart from p50. */
export interface ChartLine {
  label: string;
  series: number;
  dashed: boolean;
  points: ChartPoint[];
}

/** Runs drawn one by one (the raw last hour): a failed run is a cross, a passed one a dot. */
export interface ChartDot {
  series: number;
  at: number;
  ms: number;
  ok: boolean;
}

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 48, right: 8, top: 8, bottom: 22 };

/** A round top for the y axis: 1, 2 or 5 times a power of ten, at least the largest value. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((m) => m * power >= value) ?? 10) * power;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${round1(ms / 1000)} s` : `${Math.round(ms)} ms`;
}

/**
 * A chart over [from, to): lines (hourly p50/p95) and dots (raw runs), time left to right,
 * latency bottom to top. `ticks` label the time axis. The SVG is an image with a label; the
 * page gives the same numbers as text beside it.
 */
export function latencyChart(options: {
  label: string;
  from: number;
  to: number;
  lines: ChartLine[];
  dots: ChartDot[];
  ticks: Array<{ at: number; text: string }>;
}): string {
  const { from, to, lines, dots } = options;
  const top = niceCeiling(Math.max(0, ...lines.flatMap((l) => l.points.map((p) => p.ms)), ...dots.map((d) => d.ms)));
  const x = (t: number) => round1(PAD.left + ((t - from) / (to - from)) * (WIDTH - PAD.left - PAD.right));
  const y = (ms: number) => round1(HEIGHT - PAD.bottom - (ms / top) * (HEIGHT - PAD.top - PAD.bottom));
  const parts: string[] = [];
  for (const fraction of [0, 0.5, 1]) {
    const gy = y(top * fraction);
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${gy}" y2="${gy}"/>`);
    parts.push(`<text class="axis" x="${PAD.left - 4}" y="${gy + 4}" text-anchor="end">${formatMs(top * fraction)}</text>`);
  }
  for (const tick of options.ticks) {
    parts.push(`<text class="axis" x="${x(tick.at)}" y="${HEIGHT - 6}" text-anchor="middle">${escapeHtml(tick.text)}</text>`);
  }
  for (const line of lines) {
    if (line.points.length === 0) continue;
    const d = line.points.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.at)} ${y(p.ms)}`).join("");
    parts.push(
      `<path class="line series-${line.series}${line.dashed ? " dashed" : ""}" d="${d}"><title>${escapeHtml(line.label)}</title></path>`,
    );
  }
  for (const dot of dots) {
    const cx = x(dot.at);
    const cy = y(dot.ms);
    parts.push(
      dot.ok
        ? `<circle class="dot series-${dot.series}" cx="${cx}" cy="${cy}" r="1.8"/>`
        : `<path class="miss" d="M${cx - 3} ${cy - 3}l6 6m0 -6l-6 6"/>`,
    );
  }
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(options.label)}">${parts.join("")}</svg>`;
}
