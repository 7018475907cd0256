/**
 * The status page: one self-contained document that reads the JSON API and refreshes itself.
 * Everything it shows goes through textContent, so nothing from a plane can inject markup.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>planewatch</title>
<style>
  :root { --ok:#1a7f37; --degraded:#9a6700; --failed:#cf222e; --nouser:#8250df; --nooracle:#bf3989; --novalue:#6e7781; }
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
  header { padding: 16px 24px; background: #fff; border-bottom: 1px solid #d0d7de; display: flex; gap: 16px; align-items: baseline; }
  h1 { font-size: 20px; margin: 0; }
  #updated { color: #57606a; font-size: 13px; }
  main { padding: 16px 24px; max-width: 1100px; }
  .plane { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; margin-bottom: 12px; }
  .plane > button { all: unset; box-sizing: border-box; width: 100%; padding: 12px 16px; display: flex; gap: 12px; align-items: center; cursor: pointer; }
  .badge { font-weight: 600; font-size: 12px; padding: 2px 8px; border-radius: 12px; color: #fff; }
  .OK { background: var(--ok); } .DEGRADED { background: var(--degraded); } .FAILED { background: var(--failed); }
  .NO_USER { background: var(--nouser); } .NO_ORACLE { background: var(--nooracle); } .NO_VALUE { background: var(--novalue); }
  .name { font-weight: 600; } .since { color: #57606a; font-size: 13px; margin-left: auto; }
  .regions { display: flex; gap: 6px; } .region { font-size: 12px; padding: 1px 6px; border-radius: 4px; color: #fff; }
  .detail { padding: 0 16px 16px; display: none; } .plane.open .detail { display: block; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eaeef2; }
  .runbook h3 { font-size: 14px; margin: 12px 0 4px; } .runbook p, .runbook ol { margin: 4px 0; }
  .note { font-size: 12px; padding: 1px 6px; border-radius: 4px; border: 1px solid #d0d7de; color: #57606a; }
  #error { color: var(--failed); padding: 8px 24px; }
  #token { padding: 8px 24px; }
</style>
</head>
<body>
<header><h1>planewatch</h1><span id="updated">loading…</span></header>
<div id="error" hidden></div>
<form id="token" hidden><label>This mesh wants its API read token: <input type="password" name="token" autocomplete="off"></label> <button>Use it</button></form>
<main id="planes" aria-live="polite"></main>
<script>
"use strict";
const REFRESH_MS = 10000;
const open = new Set();
const TOKEN_KEY = "planewatch-read-token";

/** Reads the API, with the read token this tab was given (API_READ_TOKEN); asks for it on a 401. */
async function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, { headers: token ? { authorization: "Bearer " + token } : {} });
  document.getElementById("token").hidden = res.status !== 401;
  return res;
}

document.getElementById("token").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, new FormData(event.target).get("token"));
  refresh();
});

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function ago(iso) {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120 ? s + " s ago" : s < 7200 ? Math.round(s / 60) + " min ago" : Math.round(s / 3600) + " h ago";
}

/** What a streamed answer measured: time to first byte or token, tokens, tokens/s, longest gap. */
function figures(f) {
  if (!f) return "–";
  const parts = [];
  if (f.timeToFirstTokenMs !== undefined) parts.push("first token " + Math.round(f.timeToFirstTokenMs) + " ms");
  else if (f.timeToFirstByteMs !== undefined) parts.push("first byte " + Math.round(f.timeToFirstByteMs) + " ms");
  if (f.outputTokens !== undefined) parts.push(f.outputTokens + " tokens");
  if (f.tokensPerSecond !== undefined) parts.push(f.tokensPerSecond.toFixed(1) + " tokens/s");
  if (f.maxInterTokenGapMs !== undefined) parts.push("gap " + Math.round(f.maxInterTokenGapMs) + " ms");
  return parts.join(" · ") || "–";
}

function resultsTable(plane) {
  const table = el("table", {}, el("tr", {}, el("th", {}, "region"), el("th", {}, "probe"), el("th", {}, "result"),
    el("th", {}, "reason"), el("th", {}, "latency"), el("th", {}, "HTTP"), el("th", {}, "stream"), el("th", {}, "message"), el("th", {}, "request"), el("th", {}, "at")));
  for (const [region, r] of Object.entries(plane.regions)) {
    for (const [probe, p] of Object.entries(r.probes)) {
      table.append(el("tr", { "data-region": region, "data-probe": probe }, el("td", {}, region), el("td", {}, probe),
        el("td", {}, p.ok ? "pass" : "fail"), el("td", {}, p.reason), el("td", {}, Math.round(p.latencyMs) + " ms"),
        el("td", {}, p.httpStatus ?? "–"), el("td", {}, figures(p.figures)), el("td", {}, p.message),
        el("td", { class: "request", title: p.traceparent ? "traceparent " + p.traceparent : "" }, p.requestId ?? "–"),
        el("td", {}, ago(p.at))));
    }
  }
  return table;
}

async function loadDetail(id, box) {
  const res = await api("/api/v1/planes/" + encodeURIComponent(id));
  if (!res.ok) { box.replaceChildren("could not load: " + res.status); return; }
  const plane = await res.json();
  const rb = plane.runbook;
  const runbook = el("div", { class: "runbook" }, el("h3", {}, plane.status + ": " + rb.summary),
    el("p", {}, el("strong", {}, "Meaning: "), rb.meaning), el("p", {}, el("strong", {}, "Impact: "), rb.impact));
  for (const [title, steps] of [["Diagnosis", rb.diagnosis], ["Mitigation", rb.mitigation]]) {
    if (steps.length) runbook.append(el("h3", {}, title), el("ol", {}, ...steps.map((s) => el("li", {}, s))));
  }
  const transitions = el("table", {}, el("tr", {}, el("th", {}, "at"), el("th", {}, "from"), el("th", {}, "to")),
    ...plane.transitions.slice(0, 10).map((t) => el("tr", {}, el("td", {}, new Date(t.at).toLocaleString()), el("td", {}, t.from), el("td", {}, t.to))));
  box.replaceChildren(resultsTable(plane), runbook, el("h3", {}, "Recent transitions"), transitions);
}

/** A maintenance window (alerts wait until its end) and flapping, beside the status. */
function notes(plane) {
  const shown = [];
  if (plane.maintenance) shown.push(el("span", { class: "note maintenance", title: plane.maintenance.reason },
    "maintenance until " + new Date(plane.maintenance.until).toLocaleString() + ": " + plane.maintenance.reason));
  if (plane.flapping) shown.push(el("span", { class: "note flapping" }, "flapping"));
  return shown;
}

function render(data) {
  const main = document.getElementById("planes");
  main.replaceChildren(...data.planes.map((plane) => {
    const regions = el("span", { class: "regions" }, ...Object.entries(plane.regions).map(([name, r]) =>
      el("span", { class: "region " + r.status, title: name + ": " + r.status }, name)));
    const head = el("button", { "aria-expanded": String(open.has(plane.id)) },
      el("span", { class: "badge " + plane.status }, plane.status), el("span", { class: "name" }, plane.name),
      regions, ...notes(plane), el("span", { class: "since" }, "since " + ago(plane.since)));
    const detail = el("div", { class: "detail" });
    const card = el("section", { class: "plane" + (open.has(plane.id) ? " open" : ""), "data-plane": plane.id, "data-status": plane.status }, head, detail);
    head.addEventListener("click", () => {
      if (open.has(plane.id)) open.delete(plane.id); else open.add(plane.id);
      card.classList.toggle("open");
      head.setAttribute("aria-expanded", String(open.has(plane.id)));
      if (open.has(plane.id)) loadDetail(plane.id, detail);
    });
    if (open.has(plane.id)) loadDetail(plane.id, detail);
    return card;
  }));
  document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
}

async function refresh() {
  const error = document.getElementById("error");
  try {
    const res = await api("/api/v1/status");
    const body = await res.json();
    if (!res.ok) throw new Error(body.detail + (body.problems ? " " + body.problems.map((p) => p.path + ": " + p.message).join("; ") : ""));
    render(body);
    error.hidden = true;
  } catch (e) {
    error.textContent = "Status unavailable: " + e.message;
    error.hidden = false;
  }
}
refresh();
setInterval(refresh, REFRESH_MS);
</script>
</body>
</html>
`;
