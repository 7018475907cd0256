/**
 * The frame of the status pages: one HTML document with its CSS inline (nothing loaded from
 * elsewhere), light and dark by prefers-color-scheme, one column on narrow screens.
 */
import { escapeHtml } from "../../lib/html.ts";
import type { ActiveMaintenance } from "../../status/maintenance.ts";
import type { PlaneStatus } from "../../status/model.ts";

/** What both pages head a plane with: its status, since when, its notes and its regions. */
export interface PlaneHeadline {
  id: string;
  name: string;
  status: PlaneStatus;
  /** When the status began, epoch ms; 0 when it never reported. */
  since: number;
  /** The maintenance window the plane is in now, null outside any. */
  maintenance: ActiveMaintenance | null;
  flapping: boolean;
  regions: Array<{ name: string; status: PlaneStatus }>;
}

const STYLE = `
:root { color-scheme: light dark; --bg:#f6f8fa; --card:#fff; --fg:#1f2328; --muted:#57606a; --line:#d0d7de; --link:#0550ae;
  --ok:#1a7f37; --degraded:#9a6700; --failed:#cf222e; --nouser:#8250df; --nooracle:#bf3989; --novalue:#6e7781;
  --whole:#2da44e; --high:#8cc152; --partial:#d4a72c; --low:#cf222e; --none:#d0d7de; --s0:#0969da; --s1:#8250df; --s2:#bc4c00; --s3:#1a7f37; }
@media (prefers-color-scheme: dark) { :root { --bg:#0d1117; --card:#161b22; --fg:#e6edf3; --muted:#9198a1; --line:#30363d; --link:#58a6ff;
  --none:#30363d; --s0:#58a6ff; --s1:#bc8cff; --s2:#f0883e; --s3:#3fb950; } }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: var(--fg); background: var(--bg); }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, summary:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
header { padding: 12px 16px; background: var(--card); border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: baseline; }
header h1 { font-size: 20px; margin: 0; } header p { margin: 0; color: var(--muted); font-size: 13px; }
main { padding: 12px 16px; max-width: 1100px; margin: 0 auto; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: var(--card); padding: 4px 8px; }
.st { display: inline-block; font-weight: 600; font-size: 12px; padding: 1px 8px; border-radius: 12px; color: #fff; }
.OK { background: var(--ok); } .DEGRADED { background: var(--degraded); } .FAILED { background: var(--failed); }
.NO_USER { background: var(--nouser); } .NO_ORACLE { background: var(--nooracle); } .NO_VALUE { background: var(--novalue); }
.muted, .since { color: var(--muted); font-size: 13px; }
.notes { display: inline-flex; flex-wrap: wrap; gap: 4px 6px; } .notes:empty { display: none; } .note { font-size: 12px; font-weight: 400; padding: 0 6px; border-radius: 4px; border: 1px solid var(--line); color: var(--fg); }
.note.maintenance { border-color: var(--s0); } .note.flapping { border-color: var(--degraded); }
.planes { list-style: none; padding: 0; margin: 0; }
.plane { background: var(--card); border: 1px solid var(--line); border-radius: 6px; margin-bottom: 8px; padding: 8px 12px;
  display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: 4px 16px; align-items: center; }
.plane[hidden] { display: none; }
.plane h2 { font-size: 16px; margin: 0; display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: baseline; }
.regions { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 4px; font-size: 12px; }
.regions li { padding: 0 6px; border-radius: 4px; color: #fff; }
.windows { display: flex; flex-wrap: wrap; gap: 2px 12px; margin: 0; font-size: 13px; }
.windows div { display: flex; gap: 4px; } .windows dt { color: var(--muted); } .windows dd { margin: 0; font-variant-numeric: tabular-nums; }
.strip { width: 100%; height: 28px; display: block; }
.strip path { stroke-width: 10; stroke-dasharray: .72 .28; fill: none; }
.lv-whole { stroke: var(--whole); } .lv-high { stroke: var(--high); } .lv-partial { stroke: var(--partial); } .lv-low { stroke: var(--low); } .lv-none { stroke: var(--none); }
.filter { margin: 0 0 12px; display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
.filter input { font: inherit; padding: 4px 8px; min-width: 16em; color: var(--fg); background: var(--card); border: 1px solid var(--line); border-radius: 4px; }
.filter button { font: inherit; padding: 4px 10px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 8px 16px; margin-bottom: 12px; }
section h2 { font-size: 17px; margin: 4px 0 8px; } section h3 { font-size: 15px; margin: 8px 0 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 4px 0 8px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num { font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; }
figure { margin: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; }
.chart { width: 100%; height: auto; }
.chart .grid { stroke: var(--line); } .chart .axis { fill: var(--muted); font-size: 11px; }
.chart .line { fill: none; stroke-width: 2; } .chart .dashed { stroke-dasharray: 5 3; stroke-width: 1.5; }
.chart .miss { stroke: var(--failed); stroke-width: 1.5; }
.series-0 { stroke: var(--s0); fill: var(--s0); } .series-1 { stroke: var(--s1); fill: var(--s1); }
.series-2 { stroke: var(--s2); fill: var(--s2); } .series-3 { stroke: var(--s3); fill: var(--s3); }
.chart .line.series-0, .chart .line.series-1, .chart .line.series-2, .chart .line.series-3 { fill: none; }
.legend { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 12px; }
.key { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin-right: 4px; }
.key.series-0 { background: var(--s0); } .key.series-1 { background: var(--s1); } .key.series-2 { background: var(--s2); } .key.series-3 { background: var(--s3); }
@media (max-width: 700px) { .plane { grid-template-columns: minmax(0, 1fr); } header { padding: 8px 12px; } main { padding: 8px; } }
`;

/**
 * A whole page: `heading`, `body` and `mainAttributes` are HTML already escaped by their
 * renderer; `script` runs at the end.
 */
export function pageDocument(options: {
  title: string;
  heading: string;
  subtitle: string;
  body: string;
  script: string;
  mainAttributes?: string;
}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><h1>${options.heading}</h1><p id="updated">${options.subtitle}</p></header>
<main id="main"${options.mainAttributes ?? ""}>${options.body}</main>
<script>${options.script}</script>
</body>
</html>
`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A time as the pages show it, in UTC (the same for every reader; the script shows local "ago"). */
export function utcTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A duration as people say it: 45 s, 12 min, 3 h 20 min, 2 d 4 h. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  return h % 24 === 0 ? `${Math.floor(h / 24)} d` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

/**
 * What stands beside a status: the maintenance window the plane is in (alerts wait for its end)
 * and flapping. The pages' script fills the same container the same way (setNotes).
 */
export function statusNotes(maintenance: ActiveMaintenance | null, flapping: boolean): string {
  let notes = "";
  if (maintenance !== null) {
    notes += `<span class="note maintenance">in maintenance until <time datetime="${new Date(maintenance.until).toISOString()}">${utcTime(maintenance.until)}</time>: ${escapeHtml(maintenance.reason)}</span>`;
  }
  if (flapping) notes += `<span class="note flapping">flapping</span>`;
  return notes;
}
