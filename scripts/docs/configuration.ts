import { configJsonSchema } from "../../src/config/json_schema.ts";
import { KINDS, SHORTHANDS } from "../../src/probes/registry.ts";

/** The parts of the config's JSON Schema the reference reads. */
interface Schema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  $ref?: string;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
}

const code = (value: unknown) => `\`${JSON.stringify(value)}\``;
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

function typeOf(schema: Schema): string {
  if (schema.const !== undefined) return code(schema.const);
  if (schema.enum) return schema.enum.map(code).join(", ");
  if (schema.$ref) return "any JSON";
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map(typeOf).join(" or ");
  if (schema.type === "array") return `array of ${schema.items ? typeOf(schema.items) : "any"}`;
  if (schema.type === "object" && !schema.properties) return "object";
  const type = Array.isArray(schema.type) ? schema.type.join(" or ") : (schema.type ?? "any");
  // zod writes "no maximum" on an integer as the largest safe one.
  const maximum = schema.maximum === Number.MAX_SAFE_INTEGER ? undefined : schema.maximum;
  const range = schema.minimum !== undefined || maximum !== undefined ? ` (${schema.minimum ?? "…"}–${maximum ?? "…"})` : "";
  return type + range;
}

/** One row per field, nested objects flattened to dotted names. */
function rows(schema: Schema, prefix = ""): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, field]) => {
    const path = prefix + name;
    const required = schema.required?.includes(name) && field.default === undefined ? "yes" : "";
    const defaults = field.default === undefined || (typeof field.default === "object" && field.properties) ? "" : code(field.default);
    const own = `| \`${path}\` | ${cell(typeOf(field))} | ${required} | ${cell(defaults)} | ${cell(field.description ?? "")} |`;
    const nested = field.type === "object" && field.properties ? rows(field, `${path}.`) : [];
    return [own, ...nested];
  });
}

const HEADER = ["| field | type | required | default | meaning |", "| --- | --- | --- | --- | --- |"];

/** docs/config-reference.md, from the zod schema's descriptions (through its JSON Schema): pure, so a test can hold the file to it. */
export function configurationReference(): string {
  const root = configJsonSchema() as Schema;
  const plane = root.properties!.planes!.items!;
  const { probes: _probes, ...planeFields } = plane.properties!;
  const declared = plane.properties!.probes!.items!.oneOf!;
  const summaries = new Map<string, string>([...KINDS, ...SHORTHANDS].map((spec) => [spec.kind, spec.summary]));
  const kinds = declared.flatMap((schema) => {
    const { kind, ...fields } = schema.properties!;
    const name = String(kind!.const);
    return [`### \`${name}\``, "", summaries.get(name) ?? "", "", ...HEADER, ...rows({ ...schema, properties: fields }), ""];
  });
  return [
    "# Configuration reference",
    "",
    "<!-- Generated from the zod schema (src/config/schema.ts, src/probes/*.ts) by `npm run docs`: edit the descriptions there. -->",
    "",
    "The fields of `config/planes.json` (or `PLANES_CONFIG`). The guide is [configuration.md](configuration.md).",
    "",
    "## The file",
    "",
    ...HEADER,
    ...rows({
      ...root,
      properties: {
        $schema: root.properties!.$schema!,
        planes: { type: "array", description: "The planes to watch.", items: { type: "object" } },
      },
    }),
    "",
    "## A plane",
    "",
    ...HEADER,
    ...rows({
      ...plane,
      properties: { ...planeFields, probes: { type: "array", description: "The probes, of the kinds below.", items: { type: "object" } } },
    }),
    "",
    "## Probes, by kind",
    "",
    ...kinds,
  ].join("\n");
}
