/**
 * The overview `/`: every plane with its status, regions, 90-day strip and uptime windows,
 * failing planes first. Built as strings, one plane at a time: at 1,000 planes the page is
 * about a megabyte of HTML, and string concatenation is what keeps its Worker CPU small.
 */
import { escapeHtml } from "../../lib/html.ts";
import type { PlaneStatus } from "../../status/model.ts";
import { percent, type DayUptime } from "../../status/uptime_strip.ts";
import { pageDocument, type PlaneHeadline, statusNotes, utcDay, utcTime } from "./layout.ts";
import { OVERVIEW_SCRIPT } from "./script.ts";
import { stripSvg } from "./strip.ts";

export interface UptimeCounts {
  runs: number;
  successes: number;
}

/** One plane as the overview shows it. */
export interface OverviewPlane extends PlaneHeadline {
  days: readonly DayUptime[];
  /** Runs over each window by its label ("24 h", …), in the order shown. */
  windows: Array<{ label: string; counts: UptimeCounts | undefined }>;
}

/** Failing first (the statuses that page someone), then degraded, then unknown, then OK. */
const ORDER: Record<PlaneStatus, number> = { FAILED: 0, NO_USER: 0, NO_ORACLE: 0, DEGRADED: 1, NO_VALUE: 2, OK: 3 };

/** The overview's order: failing planes first, then by name. */
export function overviewOrder(a: { status: PlaneStatus; name: string }, b: { status: PlaneStatus; name: string }): number {
  return ORDER[a.status] - ORDER[b.status] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function planeItem(p: OverviewPlane, stripStart: number): string {
  const id = escapeHtml(p.id);
  const href = `/planes/${encodeURIComponent(p.id)}`;
  const since =
    p.since > 0 ? `<span class="since">since <time datetime="${new Date(p.since).toISOString()}">${utcTime(p.since)}</time></span>` : "";
  let regions = "";
  for (const r of p.regions)
    regions += `<li class="${r.status}" data-region="${escapeHtml(r.name)}">${escapeHtml(r.name)}: ${r.status}</li>`;
  let windows = "";
  for (const w of p.windows) {
    windows += `<div><dt>${w.label}</dt><dd>${w.counts === undefined ? "no data" : percent(w.counts.successes, w.counts.runs)}</dd></div>`;
  }
  return `<li class="plane" data-plane="${id}" data-status="${p.status}" data-name="${escapeHtml(p.name.toLowerCase())} ${id.toLowerCase()}">
<div><h2><a href="${href}">${escapeHtml(p.name)}</a> <span class="st ${p.status}">${p.status}</span> <span class="notes">${statusNotes(p.maintenance, p.flapping)}</span> ${since}</h2>
<ul class="regions" aria-label="Regions">${regions}</ul></div>
<div>${stripSvg(stripStart, p.days)}<dl class="windows">${windows}</dl></div></li>`;
}

/**
 * The overview page. `query` filters planes by name or id (the filter form works without
 * script; with it, the box filters as one types). `through` is where the history ends.
 */
export function overviewPage(options: {
  planes: OverviewPlane[];
  query: string;
  stripStart: number;
  through: number;
  now: number;
}): string {
  const { planes, query, stripStart, through } = options;
  const needle = query.trim().toLowerCase();
  const shown = (
    needle === "" ? planes : planes.filter((p) => p.name.toLowerCase().includes(needle) || p.id.toLowerCase().includes(needle))
  )
    .slice()
    .sort(overviewOrder);
  const failing = planes.filter((p) => ORDER[p.status] === 0).length;
  let items = "";
  for (const p of shown) items += planeItem(p, stripStart);
  const body = `<form class="filter" method="get" action="/" role="search">
<label for="filter">Filter planes</label> <input id="filter" name="q" type="search" value="${escapeHtml(query)}" autocomplete="off">
<button type="submit">Filter</button> <span class="muted" id="shown">${shown.length} of ${planes.length} planes; ${failing} failing</span></form>
<p class="muted">Bars: one a day from ${utcDay(stripStart)}, history up to ${through > 0 ? utcTime(through) : "nothing yet"} (rolled up hourly). Hover a bar for its day; a plane's page lists every day with failed runs.</p>
<ul class="planes" id="planes">${items}</ul>
<p id="live" class="muted" role="status" aria-live="polite"></p>`;
  return pageDocument({
    title: failing > 0 ? `(${failing} failing) planewatch` : "planewatch",
    heading: "planewatch",
    subtitle: `${planes.length} planes · rendered ${utcTime(options.now)}`,
    body,
    script: OVERVIEW_SCRIPT,
  });
}
