import { z } from "zod";
import type { Role } from "../status/startup.ts";
import { KUBERNETES_TIMING, probeFields, probeNameSchema } from "./common.ts";
import { urlOrPathSchema } from "./wire/expect.ts";
import { httpProbeSchema, type HttpProbe } from "./http.ts";
import type { ShorthandSpec } from "./types.ts";

/** Which role each tier plays, as seed 003 recommends: the cheapest check for liveness, the fullest for startup. */
const TIERS: ReadonlyArray<{ tier: "livez" | "readyz" | "healthz"; role: Role }> = [
  { tier: "livez", role: "liveness" },
  { tier: "readyz", role: "readiness" },
  { tier: "healthz", role: "startup" },
];

/**
 * Tiered health endpoints declared as one set: `livez` (liveness), `readyz` (readiness) and
 * the full `healthz` (startup). The schema expands it into three `http` probes with those
 * roles, so nothing downstream knows the shorthand.
 */
const { role: _eachTierHasItsRole, ...tierFields } = probeFields(KUBERNETES_TIMING);

export const httpTiersSchema = z
  .object({
    kind: z.literal("http_tiers"),
    ...tierFields,
    name: probeNameSchema
      .max(55)
      .optional()
      .describe('Prefix of the three probes\' names: "web" gives web-livez, web-readyz, web-healthz; without it livez, readyz, healthz.'),
    livez: urlOrPathSchema.default("/livez").describe("Liveness endpoint: the cheapest check."),
    readyz: urlOrPathSchema.default("/readyz").describe("Readiness endpoint."),
    healthz: urlOrPathSchema.default("/healthz").describe("The full check of every dependency: the startup probe."),
    headers: httpProbeSchema.shape.headers,
  })
  .strict();
export type HttpTiers = z.infer<typeof httpTiersSchema>;

export function tierNames(tiers: Pick<HttpTiers, "name">): string[] {
  return TIERS.map(({ tier }) => (tiers.name === undefined ? tier : `${tiers.name}-${tier}`));
}

/** The three http probes a set of tiers stands for. */
export function expandTiers(tiers: HttpTiers): HttpProbe[] {
  const { kind: _kind, name: _name, livez, readyz, healthz, ...shared } = tiers;
  const urls = { livez, readyz, healthz };
  const names = tierNames(tiers);
  return TIERS.map(({ tier, role }, i) => httpProbeSchema.parse({ ...shared, kind: "http", name: names[i], role, url: urls[tier] }));
}

export const httpTiers: ShorthandSpec<typeof httpTiersSchema, HttpProbe> = {
  kind: "http_tiers",
  summary:
    "Tiered health endpoints as one set: expands into three `http` probes, `livez` (liveness), `readyz` (readiness) and `healthz` (startup).",
  schema: httpTiersSchema,
  example: { kind: "http_tiers", name: "web", headers: { authorization: { secret: "WEB_TOKEN", prefix: "Bearer " } } },
  needs: () => ({ urlFields: ["livez", "readyz", "healthz"] }),
  names: tierNames,
  expand: expandTiers,
};
