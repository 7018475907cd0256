import { z } from "zod";
import { secretNameSchema } from "../probes/common.ts";
import { flappingSchema, maintenanceSchema } from "./maintenance.ts";
import {
  declaredNames,
  declaredProbeSchema,
  declaredSpecOf,
  expandProbe,
  isPulled,
  type DeclaredProbe,
  type ProbeConfig,
} from "../probes/registry.ts";
import { retryProblems } from "../probes/retry.ts";
import type { PlanePolicy } from "../status/evaluate.ts";

/** Durable Object location hints: where a Prober object for a region is created. */
export const REGIONS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;
export const regionSchema = z.enum(REGIONS);
export type Region = z.infer<typeof regionSchema>;

type PlaneInput = z.infer<typeof planeSchema>;

/**
 * What one declared probe needs of its plane (its kind's spec says what), as (path under the
 * plane, message) pairs.
 */
function probeProblems(plane: PlaneInput, probe: DeclaredProbe, i: number): Array<[Array<string | number>, string]> {
  const problems: Array<[Array<string | number>, string]> = [];
  const at = (...path: Array<string | number>) => ["probes", i, ...path];
  const spec = declaredSpecOf(probe);
  const needs = spec.needs?.(probe) ?? {};
  const fields = probe as Record<string, unknown>;
  if (needs.baseUrl && plane.baseUrl === undefined) {
    problems.push([["baseUrl"], `required by probe "${declaredNames(probe)[0]}" (${probe.kind})`]);
  }
  if (plane.baseUrl === undefined) {
    if (needs.targetField !== undefined && fields[needs.targetField] === undefined) {
      problems.push([at(needs.targetField), "required when the plane has no baseUrl"]);
    }
    for (const field of needs.urlFields ?? []) {
      const url = fields[field];
      if (typeof url === "string" && url.startsWith("/")) problems.push([at(field), "a relative URL needs the plane's baseUrl"]);
    }
  }
  for (const [path, message] of spec.check?.(probe, plane) ?? []) problems.push([at(...path), message]);
  // Every kind run from regions (and the shorthands for them) has fast retries; pushed kinds do not.
  if ("retries" in probe) for (const [path, message] of retryProblems(probe)) problems.push([at(...path), message]);
  return problems;
}

export const planeSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "lower case letters, digits and '-', at most 63 characters")
      .describe("Stable identifier: used in URLs, metric labels and object names."),
    name: z.string().min(1).max(200).optional().describe("Display name; defaults to the id."),
    baseUrl: z
      .url({ protocol: /^https?$/, error: "expected an http(s) URL" })
      .optional()
      .describe("The plane's API root; relative probe paths are joined to it."),
    apiKeySecret: secretNameSchema
      .optional()
      .describe("Name of the Worker secret holding the probe identity's API key. Unset secret: NO_USER."),
    webhookSecret: secretNameSchema
      .optional()
      .describe("Name of the Worker secret holding the secret async webhooks are signed with (X-BASETEN-SIGNATURE)."),
    regions: z
      .array(regionSchema)
      .min(1)
      .refine((r) => new Set(r).size === r.length, "lists a region twice")
      .describe("Where the plane is probed from."),
    quorum: z.number().int().min(1).optional().describe("Regions that must pass for the plane to pass; defaults to a majority."),
    statusTtlSeconds: z
      .number()
      .int()
      .min(30)
      .max(86_400)
      .default(120)
      .describe("The status expires (NO_VALUE) this long after the last result."),
    rawPassSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(3_600)
      .describe(
        "A passing run goes to D1's raw results at most once in this many seconds per region and probe (failures, and the pass after one, always do; the hourly rollups count every run). 0 keeps every pass: a D1 row per run.",
      ),
    maintenance: maintenanceSchema.optional(),
    flapping: flappingSchema.optional(),
    probes: z.array(declaredProbeSchema).min(1),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional().describe("The JSON Schema editors check the file against: ./planes.schema.json."),
    planes: z.array(planeSchema).min(1, "declare at least one plane"),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.planes.forEach((plane, p) => {
      if (seen.has(plane.id)) {
        ctx.addIssue({ code: "custom", path: ["planes", p, "id"], message: `duplicate plane id "${plane.id}"` });
      }
      seen.add(plane.id);
      if (plane.quorum !== undefined && plane.quorum > plane.regions.length) {
        ctx.addIssue({
          code: "custom",
          path: ["planes", p, "quorum"],
          message: `quorum ${plane.quorum} is more than the ${plane.regions.length} region(s) listed`,
        });
      }
      const names = new Set<string>();
      plane.probes.forEach((probe, i) => {
        for (const name of declaredNames(probe)) {
          if (names.has(name)) {
            ctx.addIssue({
              code: "custom",
              path: ["planes", p, "probes", i, "name"],
              message: `duplicate probe name "${name}": give each probe of a kind a distinct name`,
            });
          }
          names.add(name);
        }
        for (const [path, message] of probeProblems(plane, probe, i)) {
          ctx.addIssue({ code: "custom", path: ["planes", p, ...path], message });
        }
      });
    });
  })
  // Shorthands (http_tiers) become plain probes here: nothing downstream knows them.
  .transform((config) => ({ ...config, planes: config.planes.map((plane) => ({ ...plane, probes: plane.probes.flatMap(expandProbe) })) }));

export type Config = z.infer<typeof configSchema>;
export type PlaneConfig = Config["planes"][number];
export type { ProbeConfig };

export function probeName(probe: ProbeConfig): string {
  return probe.name ?? probe.kind;
}

export function planeName(plane: PlaneConfig): string {
  return plane.name ?? plane.id;
}

/** A majority of the plane's regions unless the plane sets its own quorum. */
export function quorumOf(plane: PlaneConfig): number {
  return plane.quorum ?? Math.floor(plane.regions.length / 2) + 1;
}

/** What the status rules need to know of a plane. */
export function policyOf(plane: PlaneConfig): PlanePolicy {
  return {
    regions: plane.regions,
    quorum: quorumOf(plane),
    ttlMs: plane.statusTtlSeconds * 1000,
    probes: plane.probes.map((p) => ({ name: probeName(p), critical: p.critical, regional: isPulled(p) })),
  };
}
