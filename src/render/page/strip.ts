/**
 * The 90-day strip as one small SVG: a stretch of like days is one dashed stroke (one dash a
 * day), each with a title giving its days' uptime and failures by reason.
 */
import { escapeHtml } from "../../lib/html.ts";
import { failuresByReason, percent, STRIP_DAYS, stripStretches, type DayUptime, type StripStretch } from "../../status/uptime_strip.ts";
import { utcDay } from "./layout.ts";

const DAY_MS = 86_400_000;

/** What a day's title says: its uptime, its runs, its failures by reason, and the runs maintenance windows left out. */
export function dayTitle(d: DayUptime): string {
  const failures = failuresByReason(d)
    .map((f) => `${f.reason} ${f.failures}`)
    .join(", ");
  const up = d.runs === 0 ? "no runs outside maintenance" : `${percent(d.successes, d.runs)} up (${d.successes} of ${d.runs} runs passed)`;
  const maintenance = d.maintenanceRuns === undefined ? "" : `; maintenance: ${d.maintenanceRuns} runs left out`;
  return `${utcDay(d.day)}: ${up}${failures === "" ? "" : `; failed: ${failures}`}${maintenance}`;
}

/** The strip's day labels, made once for every plane of a page (the start is the same for all). */
let labels = { start: Number.NaN, days: [] as string[] };

function dayLabels(start: number): string[] {
  if (labels.start !== start) labels = { start, days: Array.from({ length: STRIP_DAYS }, (_, i) => utcDay(start + i * DAY_MS)) };
  return labels.days;
}

function stretchTitle(start: number, s: StripStretch): string {
  if (s.day !== null) return dayTitle(s.day);
  const names = dayLabels(start);
  const first = names[s.first]!;
  const days = s.count === 1 ? first : `${first} to ${names[s.first + s.count - 1]}`;
  return s.level === "none" ? `${days}: no data` : `${days}: 100 % up${s.count === 1 ? "" : " each day"}, no failed runs`;
}

/** The strip of days from `start`, with a label for screen readers that counts the days with failures. */
export function stripSvg(start: number, days: readonly DayUptime[]): string {
  const stretches = stripStretches(start, days);
  const troubled = stretches.filter((s) => s.day !== null && s.day.successes < s.day.runs).length;
  const label = `Daily uptime over ${STRIP_DAYS} days: ${troubled === 0 ? "no day with failed runs" : `${troubled} ${troubled === 1 ? "day" : "days"} with failed runs`}`;
  let paths = "";
  for (const s of stretches) {
    paths += `<path class="lv-${s.level}" d="M${s.first} 5h${s.count}"><title>${escapeHtml(stretchTitle(start, s))}</title></path>`;
  }
  return `<svg class="strip" viewBox="0 0 ${STRIP_DAYS} 10" preserveAspectRatio="none" role="img" aria-label="${label}">${paths}</svg>`;
}
