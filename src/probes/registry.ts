import { z } from "zod";
import { asyncPredictProbeSchema, probeAsyncPredict } from "./async_predict.ts";
import { grpcHealthProbeSchema, probeGrpcHealth } from "./grpc_health.ts";
import { heartbeatProbeSchema } from "../heartbeats/judge.ts";
import { httpProbeSchema, probeHttp } from "./http.ts";
import { expandTiers, httpTiersSchema, tierNames } from "./http_tiers.ts";
import { fail, finalMessage } from "./outcome.ts";
import { postgresProbeSchema, probePostgres } from "./postgres.ts";
import { probeRedis, redisProbeSchema } from "./redis.ts";
import { probeSyncPredict, syncPredictProbeSchema } from "./sync_predict.ts";
import { probeTcp, tcpProbeSchema } from "./tcp.ts";
import type { ProbeContext, ProbeOutcome, Prober } from "./types.ts";

/** Kinds a Prober object runs from each region: their schemas here, their probers in PROBERS below. */
const PULLED_SCHEMAS = [
  syncPredictProbeSchema,
  asyncPredictProbeSchema,
  httpProbeSchema,
  tcpProbeSchema,
  redisProbeSchema,
  postgresProbeSchema,
  grpcHealthProbeSchema,
] as const;

/** Every probe as the mesh runs it: the pulled kinds and `heartbeat`, which is pushed to the mesh. */
export const probeSchema = z.discriminatedUnion("kind", [...PULLED_SCHEMAS, heartbeatProbeSchema]);
export type ProbeConfig = z.infer<typeof probeSchema>;
export type ProbeKind = ProbeConfig["kind"];
export type PulledProbe = Exclude<ProbeConfig, { kind: "heartbeat" }>;

/** What a config may declare: the probes, and shorthands the schema expands into probes. */
export const declaredProbeSchema = z.discriminatedUnion("kind", [...PULLED_SCHEMAS, heartbeatProbeSchema, httpTiersSchema]);
export type DeclaredProbe = z.infer<typeof declaredProbeSchema>;

export function expandProbe(declared: DeclaredProbe): ProbeConfig[] {
  return declared.kind === "http_tiers" ? expandTiers(declared) : [declared];
}

/** The names a declared probe will have once expanded. */
export function declaredNames(declared: DeclaredProbe): string[] {
  return declared.kind === "http_tiers" ? tierNames(declared) : [declared.name ?? declared.kind];
}

export function isPulled(probe: ProbeConfig): probe is PulledProbe {
  return probe.kind !== "heartbeat";
}

const PROBERS: { [K in PulledProbe["kind"]]: Prober<Extract<PulledProbe, { kind: K }>> } = {
  sync_predict: probeSyncPredict,
  async_predict: probeAsyncPredict,
  http: probeHttp,
  tcp: probeTcp,
  redis: probeRedis,
  postgres: probePostgres,
  grpc_health: probeGrpcHealth,
};

/** Past the deadline a probe gets this much longer to return its own verdict before it is cut off. */
const DEADLINE_GRACE_MS = 250;

/**
 * Runs one probe. Whatever the probe does (throws, ignores its signal, hangs in a read), this
 * returns by the deadline plus a small grace, so one target can never hold a Prober object.
 */
export async function runProbe(config: PulledProbe, ctx: ProbeContext): Promise<ProbeOutcome> {
  const started = Date.now();
  const prober = PROBERS[config.kind] as Prober<PulledProbe>;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cutOff = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve(fail("timeout", "the probe did not return by its deadline", Date.now() - started)),
      Math.max(0, ctx.deadline - started) + DEADLINE_GRACE_MS,
    );
  });
  try {
    const outcome = await Promise.race([
      prober(config, ctx).catch((error: unknown) =>
        fail("probe_error", error instanceof Error ? error.message : String(error), Date.now() - started),
      ),
      cutOff,
    ]);
    // Messages reach the API, D1 and Sentry: no secret may be in one, whatever the probe quoted.
    return { ...outcome, message: finalMessage(outcome.message, ctx.redact) };
  } finally {
    clearTimeout(timer);
  }
}
