import { env } from "cloudflare:test";
import type { PlaneConfig, ProbeConfig } from "../../src/config/schema.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { probeContext } from "../../src/objects/probe_context.ts";
import { isPulled, runProbe } from "../../src/probes/registry.ts";
import type { ProbeOutcome } from "../../src/probes/types.ts";

/** Runs one probe the way a Prober object does: validated config, real fetch and sockets, real deadline, secrets from env. */
export async function probe(
  baseUrl: string | undefined,
  probe: Record<string, unknown>,
  apiKeySecret = "TARGET_API_KEY",
): Promise<ProbeOutcome> {
  const result = validateConfig({ planes: [{ id: "p", baseUrl, apiKeySecret, regions: ["wnam"], probes: [probe] }] });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const plane: PlaneConfig = result.config.planes[0]!;
  const config: ProbeConfig = plane.probes[0]!;
  if (!isPulled(config)) throw new Error(`${config.kind} probes are not run, they are pushed to`);
  return runProbe(config, probeContext(env, plane, config, Date.now()));
}
