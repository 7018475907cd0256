/**
 * The API reference as one self-contained HTML page, rendered on the server from the OpenAPI
 * document: no script, no CDN, so it works offline and under `wrangler dev` with no network.
 */
import { escapeHtml } from "../lib/html.ts";

/** The parts of an OpenAPI 3.1 document the page shows. */
interface Schema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  format?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  security?: Array<Record<string, string[]>>;
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

export interface ReferenceDocument {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, object>;
  components?: { schemas?: Record<string, unknown> };
}

/** Inline `code` in descriptions, the only markup they use. */
function prose(text: string | undefined): string {
  return text === undefined ? "" : escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

const refName = (ref: string) => ref.slice(ref.lastIndexOf("/") + 1);
const anchorOf = (method: string, path: string) => `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, "-");

/** A one-line type: `string (date-time)`, `PlaneStatus`, `array of HistoryResult`, `… | null`. */
function typeOf(schema: Schema): string {
  if (schema.$ref) return `<a href="#schema-${escapeHtml(refName(schema.$ref))}">${escapeHtml(refName(schema.$ref))}</a>`;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.map(typeOf).join(" | ");
  if (schema.allOf) return schema.allOf.map(typeOf).join(" &amp; ");
  if (schema.enum) return schema.enum.map((v) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(" | ");
  const types = Array.isArray(schema.type) ? schema.type : [schema.type ?? "any"];
  return types
    .map((t) => {
      if (t === "array" && schema.items) return `array of ${typeOf(schema.items)}`;
      if (t === "object" && typeof schema.additionalProperties === "object" && !schema.properties) {
        return `map of ${typeOf(schema.additionalProperties)}`;
      }
      return escapeHtml(schema.format ? `${t} (${schema.format})` : t);
    })
    .join(" | ");
}

function constraints(schema: Schema): string {
  const parts = [
    schema.default !== undefined ? `default ${JSON.stringify(schema.default)}` : "",
    schema.minimum !== undefined ? `≥ ${schema.minimum}` : "",
    schema.maximum !== undefined ? `≤ ${schema.maximum}` : "",
  ].filter(Boolean);
  return parts.length ? ` <span class="muted">(${escapeHtml(parts.join(", "))})</span>` : "";
}

/** An object's fields as a table; other schemas as their type. Nested objects get their own table. */
function schemaHtml(schema: Schema): string {
  const own = schema.allOf ? schema.allOf.map(schemaHtml).join("") : "";
  if (!schema.properties) return own || `<p>${typeOf(schema)}</p>`;
  const required = new Set(schema.required ?? []);
  const rows = Object.entries(schema.properties).map(([name, field]) => {
    const nested = field.properties ?? (field.items?.properties ? field.items : undefined);
    return `<tr><td><code>${escapeHtml(name)}</code>${required.has(name) ? "" : ' <span class="muted">optional</span>'}</td><td>${typeOf(field)}${constraints(field)}</td><td>${prose(field.description)}${nested ? schemaHtml(nested) : ""}</td></tr>`;
  });
  return `${own}<table><tr><th>field</th><th>type</th><th>meaning</th></tr>${rows.join("")}</table>`;
}

function operationHtml(path: string, method: string, op: Operation): string {
  const parameters = (op.parameters ?? [])
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(p.name)}</code> <span class="muted">${escapeHtml(p.in)}${p.required ? ", required" : ""}</span></td><td>${p.schema ? typeOf(p.schema) + constraints(p.schema) : ""}</td><td>${prose(p.description ?? p.schema?.description)}</td></tr>`,
    )
    .join("");
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => {
      const contents = Object.entries(r.content ?? {})
        .map(([type, media]) => `<div><code>${escapeHtml(type)}</code>: ${media.schema ? typeOf(media.schema) : ""}</div>`)
        .join("");
      return `<tr><td><strong>${escapeHtml(status)}</strong></td><td>${prose(r.description)}${contents}</td></tr>`;
    })
    .join("");
  const token = op.security?.some((s) => "readToken" in s) ? '<p class="muted">Bearer token when API_READ_TOKEN is set.</p>' : "";
  return `<section class="op" id="${anchorOf(method, path)}">
<h3><span class="method">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h3>
<p><strong>${prose(op.summary)}</strong></p><p>${prose(op.description)}</p>${token}
${parameters ? `<h4>Parameters</h4><table><tr><th>name</th><th>type</th><th>meaning</th></tr>${parameters}</table>` : ""}
<h4>Responses</h4><table>${responses}</table>
</section>`;
}

export function renderReference(doc: ReferenceDocument): string {
  const operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([key]) => METHODS.has(key))
      .map(([method, op]) => ({ path, method, op: op as Operation })),
  );
  const nav = operations
    .map(
      ({ path, method, op }) =>
        `<li><a href="#${anchorOf(method, path)}">${escapeHtml(method.toUpperCase())} ${escapeHtml(path)}</a> <span class="muted">${prose(op.summary)}</span></li>`,
    )
    .join("");
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(
      ([name, schema]) =>
        `<section class="schema" id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3><p>${prose((schema as Schema).description)}</p>${schemaHtml(schema as Schema)}</section>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.info.title)} reference</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 16px 24px; max-width: 1100px; color: #1f2328; }
  code { font: 13px ui-monospace, monospace; background: #f6f8fa; padding: 1px 4px; border-radius: 4px; }
  table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 6px 0 12px; }
  th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid #eaeef2; }
  td table { margin: 4px 0 0; } .muted { color: #57606a; font-size: 13px; }
  .op, .schema { border-top: 1px solid #d0d7de; padding-top: 8px; margin-top: 16px; }
  .method { background: #0969da; color: #fff; border-radius: 4px; padding: 1px 6px; font-size: 13px; }
</style></head>
<body>
<h1>${escapeHtml(doc.info.title)} <span class="muted">${escapeHtml(doc.info.version)}</span></h1>
<p>${prose(doc.info.description)}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).</p>
<h2>Endpoints</h2><ul>${nav}</ul>
${operations.map(({ path, method, op }) => operationHtml(path, method, op)).join("\n")}
<h2>Schemas</h2>
${schemas}
</body></html>
`;
}
