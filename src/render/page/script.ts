/**
 * The pages' live updates, inline (nothing to load): the server rendered everything, the script
 * only keeps statuses current. It listens to /api/v1/events (Server-Sent Events) and, on each
 * event, reads the JSON status and patches the page in place; it also polls every minute, which
 * is the fallback when the stream is unavailable and catches statuses that expire without a
 * transition. Never a reload. Requests are same-origin, so the Basic credentials the browser
 * used for the page go with them (see docs/status-page.md). Text goes in through textContent.
 */

const SHARED = `
"use strict";
const POLL_MS = 60000;
const FAILING = { FAILED: 0, NO_USER: 0, NO_ORACLE: 0, DEGRADED: 1, NO_VALUE: 2, OK: 3 };
function utc(iso) { return iso ? iso.slice(0, 16).replace("T", " ") + " UTC" : ""; }
function setStatus(node, status) { node.className = "st " + status; node.textContent = status; }
function setSince(node, iso) {
  if (!node) return;
  node.replaceChildren();
  if (!iso) return;
  const time = document.createElement("time");
  time.dateTime = iso; time.textContent = utc(iso);
  node.append("since ", time);
}
function setNotes(node, maintenance, flapping) {
  const notes = [];
  if (maintenance) {
    const span = document.createElement("span"); span.className = "note maintenance";
    const time = document.createElement("time"); time.dateTime = maintenance.until; time.textContent = utc(maintenance.until);
    span.append("in maintenance until ", time, ": " + maintenance.reason);
    notes.push(span);
  }
  if (flapping) {
    const span = document.createElement("span"); span.className = "note flapping"; span.textContent = "flapping";
    notes.push(span);
  }
  node.replaceChildren(...notes);
}
function setRegions(list, regions) {
  list.replaceChildren(...Object.entries(regions).map(([name, r]) => {
    const li = document.createElement("li");
    li.className = r.status; li.dataset.region = name; li.textContent = name + ": " + r.status;
    return li;
  }));
}
function live(refresh, plane) {
  let timer = 0;
  const soon = () => { clearTimeout(timer); timer = setTimeout(refresh, 300); };
  if ("EventSource" in window) {
    const source = new EventSource("/api/v1/events" + (plane ? "?plane=" + encodeURIComponent(plane) : ""));
    source.addEventListener("status", soon);
    source.addEventListener("transition", soon);
  }
  setInterval(refresh, POLL_MS);
}
`;

/** The overview: statuses, maintenance and flapping, since, regions and order of every plane; the filter box filters as one types. */
export const OVERVIEW_SCRIPT = `${SHARED}
const list = document.getElementById("planes");
const filter = document.getElementById("filter");
const shown = document.getElementById("shown");
const announce = document.getElementById("live");
function applyFilter() {
  const needle = filter.value.trim().toLowerCase();
  let count = 0;
  for (const item of list.children) {
    const match = needle === "" || item.dataset.name.includes(needle);
    item.hidden = !match;
    if (match) count++;
  }
  const failing = [...list.children].filter((i) => FAILING[i.dataset.status] === 0).length;
  shown.textContent = count + " of " + list.children.length + " planes; " + failing + " failing";
}
filter.addEventListener("input", applyFilter);
filter.form.addEventListener("submit", (event) => { event.preventDefault(); applyFilter(); });
async function refresh() {
  const res = await fetch("/api/v1/status", { headers: { accept: "application/json" } });
  if (!res.ok) { announce.textContent = "Live updates paused: the status API answered " + res.status + "."; return; }
  const body = await res.json();
  const changed = [];
  for (const plane of body.planes) {
    const item = list.querySelector('[data-plane="' + CSS.escape(plane.id) + '"]');
    if (!item) continue;
    if (item.dataset.status !== plane.status) changed.push(plane.name + " is " + plane.status);
    item.dataset.status = plane.status;
    setStatus(item.querySelector(".st"), plane.status);
    setSince(item.querySelector(".since"), plane.since);
    setNotes(item.querySelector(".notes"), plane.maintenance, plane.flapping);
    setRegions(item.querySelector(".regions"), plane.regions);
  }
  const items = [...list.children].sort((a, b) => FAILING[a.dataset.status] - FAILING[b.dataset.status] ||
    a.querySelector("h2 a").textContent.localeCompare(b.querySelector("h2 a").textContent));
  if (items.some((item, i) => list.children[i] !== item)) list.append(...items);
  applyFilter();
  document.getElementById("updated").textContent = body.planes.length + " planes · live, updated " + new Date().toLocaleTimeString();
  if (changed.length) announce.textContent = changed.join("; ");
}
live(refresh, null);
`;

/** A plane's page: its status, maintenance and flapping, since, regions and runbook. */
export const PLANE_SCRIPT = `${SHARED}
const main = document.getElementById("main");
const id = main.dataset.plane;
function fillRunbook(box, status, rb) {
  const parts = [];
  const h = document.createElement("h3"); h.textContent = status + ": " + rb.summary; parts.push(h);
  for (const [label, text] of [["Meaning", rb.meaning], ["Impact", rb.impact]]) {
    const p = document.createElement("p"); const b = document.createElement("strong");
    b.textContent = label + ": "; p.append(b, text); parts.push(p);
  }
  for (const [label, steps] of [["Diagnosis", rb.diagnosis], ["Mitigation", rb.mitigation]]) {
    if (!steps.length) continue;
    const t = document.createElement("h3"); t.textContent = label;
    const ol = document.createElement("ol");
    ol.append(...steps.map((s) => { const li = document.createElement("li"); li.textContent = s; return li; }));
    parts.push(t, ol);
  }
  box.replaceChildren(...parts);
}
async function refresh() {
  const res = await fetch("/api/v1/planes/" + encodeURIComponent(id), { headers: { accept: "application/json" } });
  if (!res.ok) { document.getElementById("live").textContent = "Live updates paused: the status API answered " + res.status + "."; return; }
  const plane = await res.json();
  const before = main.dataset.status;
  main.dataset.status = plane.status;
  setStatus(document.getElementById("status"), plane.status);
  setSince(document.getElementById("since"), plane.since);
  setNotes(document.getElementById("notes"), plane.maintenance, plane.flapping);
  setRegions(document.getElementById("regions"), plane.regions);
  fillRunbook(document.getElementById("runbook"), plane.status, plane.runbook);
  document.getElementById("updated").textContent = "live, updated " + new Date().toLocaleTimeString();
  if (before !== plane.status) document.getElementById("live").textContent = plane.name + " is " + plane.status;
}
live(refresh, id);
`;
