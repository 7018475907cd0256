/**
 * A plane's page `/planes/{id}`: status (with its maintenance window and flapping) and runbook,
 * the latest result of each region and probe, latency by region, availability by probe and region,
 * the 90-day strip with every day that had failed runs, the incident timeline and the latest
 * failures. Everything is in the HTML; the script only keeps the status current.
 */
import { escapeHtml } from "../../lib/html.ts";
import type { StreamFigures, Transition } from "../../status/model.ts";
import type { LatestResult } from "../../status/snapshot.ts";
import type { RunbookEntry } from "../../status/runbook.ts";
import { failuresByReason, percent, type DayUptime } from "../../status/uptime_strip.ts";
import { formatMs, latencyChart, type ChartDot, type ChartLine } from "../charts.ts";
import { duration, pageDocument, type PlaneHeadline, statusNotes, utcDay, utcTime } from "./layout.ts";
import type { UptimeCounts } from "./overview.ts";
import { PLANE_SCRIPT } from "./script.ts";
import { stripSvg } from "./strip.ts";

const HOUR_MS = 3_600_000;

export interface PlanePage extends PlaneHeadline {
  /** The latest result of each configured (region, probe) still within the TTL. */
  latest: readonly LatestResult[];
  runbook: RunbookEntry;
  stripStart: number;
  days: readonly DayUptime[];
  windows: Array<{ label: string; counts: UptimeCounts | undefined }>;
  /** p50/p95 by (region, probe, hour) over the last 24 h. */
  hourly: ReadonlyArray<{ region: string; probe: string; hour: number; p50: number; p95: number }>;
  /** Raw runs of the last hour. */
  lastHour: ReadonlyArray<{ region: string; probe: string; at: number; latencyMs: number; ok: boolean }>;
  /** Runs by (region, probe) over the last 24 h. */
  availability: ReadonlyArray<{ region: string; probe: string; runs: number; successes: number }>;
  /** Transitions, newest first. */
  transitions: readonly Transition[];
  /** Latest failed runs, newest first. */
  failures: ReadonlyArray<{
    at: number;
    region: string;
    probe: string;
    reason: string;
    httpStatus: number | null;
    message: string;
    traceparent?: string;
    requestId?: string;
    attempts?: number;
  }>;
  through: number;
  now: number;
}

function table(caption: string, head: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="muted">${empty}</p>`;
  const th = head.map((h) => `<th scope="col">${h}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("");
  return `<div class="table-wrap"><table><caption class="skip">${caption}</caption><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** What a streamed answer measured, in one short line; "–" for runs that read no stream. */
function figuresText(f: StreamFigures | undefined): string {
  if (f === undefined) return "–";
  const parts: string[] = [];
  if (f.timeToFirstTokenMs !== undefined) parts.push(`first token ${formatMs(f.timeToFirstTokenMs)}`);
  else if (f.timeToFirstByteMs !== undefined) parts.push(`first byte ${formatMs(f.timeToFirstByteMs)}`);
  if (f.outputTokens !== undefined) parts.push(`${f.outputTokens} tokens`);
  if (f.tokensPerSecond !== undefined) parts.push(`${f.tokensPerSecond.toFixed(1)} tokens/s`);
  if (f.maxInterTokenGapMs !== undefined) parts.push(`longest gap ${formatMs(f.maxInterTokenGapMs)}`);
  return parts.length === 0 ? "–" : parts.join(" · ");
}

/**
 * The X-Request-ID a run's requests carried, to find them in the plane's own logs, with the W3C
 * traceparent as its title and the attempts when fast retries took more than one.
 */
function requestCell(r: { requestId?: string; traceparent?: string; attempts?: number }): string {
  if (r.requestId === undefined) return "–";
  const title = r.traceparent === undefined ? "" : ` title="traceparent ${escapeHtml(r.traceparent)}"`;
  const attempts = r.attempts !== undefined && r.attempts > 1 ? ` <span class="muted">(attempt ${r.attempts})</span>` : "";
  return `<code${title}>${escapeHtml(r.requestId)}</code>${attempts}`;
}

function latestSection(p: PlanePage): string {
  // Only planes with probes that read a stream (chat_completions, streamed sync_predict) get its column.
  const streamed = p.latest.some((r) => r.figures !== undefined);
  const rows = p.latest.map((r) => {
    const row = [
      escapeHtml(r.region),
      escapeHtml(r.probe),
      r.ok ? "pass" : "fail",
      escapeHtml(r.reason),
      formatMs(r.latencyMs),
      r.httpStatus === null ? "–" : String(r.httpStatus),
    ];
    if (streamed) row.push(escapeHtml(figuresText(r.figures)));
    row.push(requestCell(r), `<time datetime="${new Date(r.at).toISOString()}">${utcTime(r.at)}</time>`);
    return row;
  });
  const head = ["Region", "Probe", "Result", "Reason", "Latency", "HTTP", ...(streamed ? ["Stream"] : []), "Request ID", "When"];
  return `<section aria-labelledby="latest"><h2 id="latest">Latest results</h2>${table(
    "The latest result of each region and probe",
    head,
    rows,
    "No fresh result.",
  )}</section>`;
}

function latencySection(p: PlanePage): string {
  const from = p.now - 25 * HOUR_MS;
  const probes = [...new Set([...p.hourly.map((h) => h.probe), ...p.lastHour.map((r) => r.probe)])].sort();
  const series = (probe: string) => probes.indexOf(probe) % 4;
  const regions = [...new Set([...p.regions.map((r) => r.name), ...p.hourly.map((h) => h.region), ...p.lastHour.map((r) => r.region)])];
  const ticks = [
    { at: p.now - 24 * HOUR_MS, text: "−24 h" },
    { at: p.now - 12 * HOUR_MS, text: "−12 h" },
    { at: p.now - HOUR_MS, text: "−1 h" },
    { at: p.now, text: "now" },
  ];
  const charts = regions.map((region) => {
    const hours = p.hourly.filter((h) => h.region === region);
    const runs = p.lastHour.filter((r) => r.region === region);
    const lines: ChartLine[] = probes.flatMap((probe) => {
      const points = hours.filter((h) => h.probe === probe);
      return [
        {
          label: `${probe} p50`,
          series: series(probe),
          dashed: false,
          points: points.map((h) => ({ at: h.hour + HOUR_MS / 2, ms: h.p50 })),
        },
        {
          label: `${probe} p95`,
          series: series(probe),
          dashed: true,
          points: points.map((h) => ({ at: h.hour + HOUR_MS / 2, ms: h.p95 })),
        },
      ];
    });
    const dots: ChartDot[] = runs.map((r) => ({ series: series(r.probe), at: r.at, ms: r.latencyMs, ok: r.ok }));
    const p95s = hours.map((h) => h.p95);
    const p50s = hours.map((h) => h.p50).sort((a, b) => a - b);
    const summary =
      hours.length === 0
        ? "no hourly rollups yet"
        : `median hourly p50 ${formatMs(p50s[Math.floor((p50s.length - 1) / 2)]!)}, highest hourly p95 ${formatMs(Math.max(...p95s))}`;
    const failed = runs.filter((r) => !r.ok).length;
    const label = `Latency in ${region} over 25 hours: ${summary}; last hour ${runs.length} runs, ${failed} failed`;
    return `<figure><h3>${escapeHtml(region)}</h3>${latencyChart({ label, from, to: p.now, lines, dots, ticks })}<figcaption class="muted">${escapeHtml(label)}</figcaption></figure>`;
  });
  const legend = probes
    .map(
      (probe) =>
        `<li><span class="key series-${series(probe)}"></span>${escapeHtml(probe)}: p50 solid, p95 dashed, last hour's runs as dots (× failed)</li>`,
    )
    .join("");
  return `<section aria-labelledby="latency"><h2 id="latency">Latency by region</h2><ul class="legend">${legend}</ul><div class="charts">${charts.join("")}</div></section>`;
}

function timeline(p: PlanePage): string {
  const rows = p.transitions.map((t, i) => {
    const end = i === 0 ? p.now : p.transitions[i - 1]!.at;
    const lasted = i === 0 ? `${duration(end - t.at)} so far` : duration(end - t.at);
    const failing = t.failing.map((f) => `${escapeHtml(f.region)} / ${escapeHtml(f.probe)}: ${escapeHtml(f.reason)}`).join("<br>");
    return [
      `<time datetime="${new Date(t.at).toISOString()}">${utcTime(t.at)}</time>`,
      `<span class="st ${t.from}">${t.from}</span> → <span class="st ${t.to}">${t.to}</span>`,
      `<span data-duration-ms="${end - t.at}">${lasted}</span>`,
      failing || "–",
    ];
  });
  return `<section aria-labelledby="incidents"><h2 id="incidents">Incident timeline</h2>${table(
    "Status transitions, newest first",
    ["When", "Change", "Lasted", "Failing region / probe: reason"],
    rows,
    "No status change in the last 90 days.",
  )}</section>`;
}

export function planePage(p: PlanePage): string {
  const id = escapeHtml(p.id);
  const regions = p.regions
    .map((r) => `<li class="${r.status}" data-region="${escapeHtml(r.name)}">${escapeHtml(r.name)}: ${r.status}</li>`)
    .join("");
  const since = p.since > 0 ? `since <time datetime="${new Date(p.since).toISOString()}">${utcTime(p.since)}</time>` : "";
  const rb = p.runbook;
  const steps = (title: string, list: string[]) =>
    list.length === 0 ? "" : `<h3>${title}</h3><ol>${list.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ol>`;
  const windows = p.windows
    .map((w) => `<div><dt>${w.label}</dt><dd>${w.counts === undefined ? "no data" : percent(w.counts.successes, w.counts.runs)}</dd></div>`)
    .join("");
  const troubled = p.days.filter((d) => d.day >= p.stripStart && d.successes < d.runs).reverse();
  const dayRows = troubled.map((d) => [
    `<time datetime="${utcDay(d.day)}">${utcDay(d.day)}</time>`,
    percent(d.successes, d.runs),
    `${d.successes} of ${d.runs}`,
    failuresByReason(d)
      .map((f) => `${escapeHtml(f.reason)} ${f.failures}`)
      .join(", "),
  ]);
  const availability = p.availability.map((a) => [
    escapeHtml(a.region),
    escapeHtml(a.probe),
    percent(a.successes, a.runs),
    `${a.successes} of ${a.runs}`,
  ]);
  const failures = p.failures.map((f) => [
    `<time datetime="${new Date(f.at).toISOString()}">${utcTime(f.at)}</time>`,
    escapeHtml(f.region),
    escapeHtml(f.probe),
    escapeHtml(f.reason),
    f.httpStatus === null ? "–" : String(f.httpStatus),
    escapeHtml(f.message),
    requestCell(f),
  ]);
  const body = `<p><a href="/">All planes</a></p>
<section aria-labelledby="now"><h2 id="now">${escapeHtml(p.name)} <span class="st ${p.status}" id="status">${p.status}</span> <span class="notes" id="notes">${statusNotes(p.maintenance, p.flapping)}</span> <span class="since" id="since">${since}</span></h2>
<ul class="regions" id="regions" aria-label="Regions">${regions}</ul>
<div id="runbook"><h3>${p.status}: ${escapeHtml(rb.summary)}</h3><p><strong>Meaning: </strong>${escapeHtml(rb.meaning)}</p><p><strong>Impact: </strong>${escapeHtml(rb.impact)}</p>${steps("Diagnosis", rb.diagnosis)}${steps("Mitigation", rb.mitigation)}</div>
<p id="live" class="muted" role="status" aria-live="polite"></p></section>
${latestSection(p)}
<section aria-labelledby="uptime"><h2 id="uptime">Uptime</h2>${stripSvg(p.stripStart, p.days)}<dl class="windows">${windows}</dl>
<p class="muted">From the hourly rollups, up to ${p.through > 0 ? utcTime(p.through) : "nothing yet"}.</p>
<h3>Days with failed runs</h3>${table("Days with failed runs, newest first", ["Day", "Uptime", "Runs passed", "Failed by reason"], dayRows, "No day with failed runs in the last 90 days.")}</section>
${latencySection(p)}
<section aria-labelledby="availability"><h2 id="availability">Availability by probe and region, last 24 h</h2>${table("Availability by probe and region", ["Region", "Probe", "Uptime", "Runs passed"], availability, "No runs in the last 24 hours.")}</section>
${timeline(p)}
<section aria-labelledby="failures"><h2 id="failures">Recent failures</h2>${table("Recent failed runs, newest first", ["When", "Region", "Probe", "Reason", "HTTP", "Message", "Request ID"], failures, "No failed run in the last 24 hours.")}</section>`;
  return pageDocument({
    title: `${p.name}: ${p.status} · planewatch`,
    heading: `<a href="/">planewatch</a>`,
    subtitle: `rendered ${utcTime(p.now)}`,
    body,
    script: PLANE_SCRIPT,
    mainAttributes: ` data-plane="${id}" data-status="${p.status}"`,
  });
}
