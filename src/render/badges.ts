/**
 * Shields-style badges: a grey label and a coloured value, as a small SVG that READMEs and
 * dashboards embed. Text is measured with a per-character width table of Verdana 11px (the
 * font shields uses), close enough for the box to fit its text.
 */
import { escapeHtml } from "../lib/html.ts";
import type { PlaneStatus } from "../status/model.ts";

/** Badge colours by status, the shields palette. */
const STATUS_COLOURS: Record<PlaneStatus, string> = {
  OK: "#4c1",
  DEGRADED: "#dfb317",
  FAILED: "#e05d44",
  NO_USER: "#8250df",
  NO_ORACLE: "#bf3989",
  NO_VALUE: "#9f9f9f",
};

const NARROW = new Set("fijlrtI.,:;!|' ()[]");
const WIDE = new Set("mwMW%@");

function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += NARROW.has(ch) ? 4 : WIDE.has(ch) ? 10 : ch >= "A" && ch <= "Z" ? 7.5 : 6.6;
  return Math.ceil(width);
}

export function badge(label: string, value: string, colour: string): string {
  const left = textWidth(label) + 10;
  const right = textWidth(value) + 10;
  const total = left + right;
  const l = escapeHtml(label);
  const v = escapeHtml(value);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="20" role="img" aria-label="${l}: ${v}"><title>${l}: ${v}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="${total}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${colour}"/><rect width="${total}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11"><text x="${left / 2}" y="15" fill="#010101" fill-opacity=".3">${l}</text><text x="${left / 2}" y="14">${l}</text><text x="${left + right / 2}" y="15" fill="#010101" fill-opacity=".3">${v}</text><text x="${left + right / 2}" y="14">${v}</text></g></svg>`;
}

export function statusBadge(label: string, status: PlaneStatus): string {
  return badge(label, status, STATUS_COLOURS[status]);
}

/** An uptime badge: green at 99.9 % and up, yellow from 99 %, orange from 95 %, red below; grey without runs. */
export function uptimeBadge(label: string, counts: { runs: number; successes: number }, text: string): string {
  const share = counts.runs === 0 ? null : counts.successes / counts.runs;
  const colour = share === null ? "#9f9f9f" : share >= 0.999 ? "#4c1" : share >= 0.99 ? "#dfb317" : share >= 0.95 ? "#fe7d37" : "#e05d44";
  return badge(label, text, colour);
}
