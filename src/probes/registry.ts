import { z } from "zod";
import { asyncPredict } from "./async_predict.ts";
import { chatCompletions } from "./chat_completions.ts";
import { grpcHealth } from "./grpc_health.ts";
import { heartbeat } from "./heartbeat.ts";
import { http } from "./http.ts";
import { httpTiers } from "./http_tiers.ts";
import { fail, finalMessage, withinLatencyLimit } from "./outcome.ts";
import { postgres } from "./postgres.ts";
import { redis } from "./redis.ts";
import { syncPredict } from "./sync_predict.ts";
import { tcp } from "./tcp.ts";
import type { KindSchema, ProbeContext, ProbeOutcome, PulledKindSpec, PushedKindSpec, ShorthandSpec } from "./types.ts";

/**
 * Every probe kind, in the order the docs list them. A kind is one file that exports its spec
 * (schema, run, what it needs of its plane, …; see PulledKindSpec): adding one is that file,
 * its tests and a line here. Nothing else in the mesh names a kind.
 */
export const KINDS = [syncPredict, asyncPredict, chatCompletions, http, tcp, redis, postgres, grpcHealth, heartbeat] as const;

/** Declarations that stand for several probes of the kinds above, expanded when the config loads. */
export const SHORTHANDS = [httpTiers] as const;

type Schemas<T extends ReadonlyArray<{ schema: KindSchema }>> = { -readonly [I in keyof T]: T[I]["schema"] };
const schemasOf = <T extends ReadonlyArray<{ schema: KindSchema }>>(specs: T) => specs.map((s) => s.schema) as Schemas<T>;

/** Every probe as the mesh runs it. */
export const probeSchema = z.discriminatedUnion("kind", schemasOf(KINDS));
export type ProbeConfig = z.infer<typeof probeSchema>;
export type ProbeKind = ProbeConfig["kind"];
type PulledSpec = Extract<(typeof KINDS)[number], { pushed?: undefined }>;
/** A probe of a kind the Prober objects run from each region. */
export type PulledProbe = z.infer<PulledSpec["schema"]>;

/** What a config may declare: the probes, and shorthands the schema expands into probes. */
export const declaredProbeSchema = z.discriminatedUnion("kind", [...schemasOf(KINDS), ...schemasOf(SHORTHANDS)]);
export type DeclaredProbe = z.infer<typeof declaredProbeSchema>;

type AnyKindSpec = PulledKindSpec | PushedKindSpec;
const byKind = new Map<string, AnyKindSpec>(KINDS.map((spec) => [spec.kind, spec as AnyKindSpec]));
const shorthands = new Map<string, ShorthandSpec<KindSchema, ProbeConfig>>(
  SHORTHANDS.map((spec) => [spec.kind, spec as unknown as ShorthandSpec<KindSchema, ProbeConfig>]),
);

/** The spec of a probe's kind. */
export function specOf(probe: ProbeConfig): AnyKindSpec {
  return byKind.get(probe.kind)!;
}

/** The spec a declared entry answers to: its kind's, or its shorthand's. */
export function declaredSpecOf(declared: DeclaredProbe): AnyKindSpec | ShorthandSpec<KindSchema, ProbeConfig> {
  return shorthands.get(declared.kind) ?? byKind.get(declared.kind)!;
}

export function expandProbe(declared: DeclaredProbe): ProbeConfig[] {
  return shorthands.get(declared.kind)?.expand(declared) ?? [declared as ProbeConfig];
}

/** The names a declared probe will have once expanded. */
export function declaredNames(declared: DeclaredProbe): string[] {
  return shorthands.get(declared.kind)?.names(declared) ?? [declared.name ?? declared.kind];
}

export function isPulled(probe: ProbeConfig): probe is PulledProbe {
  return !specOf(probe).pushed;
}

function pulledSpecOf(probe: PulledProbe): PulledKindSpec {
  return byKind.get(probe.kind) as PulledKindSpec;
}

/** Whether results of this kind carry an HTTP status (exported as probe_http_status_code). */
export function speaksHttp(kind: string): boolean {
  const spec = byKind.get(kind);
  return spec?.pushed === undefined && spec?.speaksHttp === true;
}

/** When a run's verdict is due, seconds after its start: later than the run for a kind the Plane object settles. */
export function verdictDeadlineSeconds(probe: PulledProbe): number {
  return pulledSpecOf(probe).settlesLater?.deadlineSeconds(probe) ?? probe.timeoutSeconds;
}

/** Whether an accepted run of this probe is settled later by the Plane object. */
export function settlesLater(probe: ProbeConfig): boolean {
  return isPulled(probe) && pulledSpecOf(probe).settlesLater !== undefined;
}

/** Whether the probe's target calls the mesh back at PUBLIC_URL. */
export function needsPublicUrl(probe: ProbeConfig): boolean {
  return isPulled(probe) && pulledSpecOf(probe).needsPublicUrl === true;
}

/** Past the deadline a probe gets this much longer to return its own verdict before it is cut off. */
const DEADLINE_GRACE_MS = 250;

/**
 * Runs one probe. Whatever the probe does (throws, ignores its signal, hangs in a read), this
 * returns by the deadline plus a small grace, so one target can never hold a Prober object.
 */
export async function runProbe(config: PulledProbe, ctx: ProbeContext): Promise<ProbeOutcome> {
  const started = Date.now();
  const spec = pulledSpecOf(config);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cutOff = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve(fail("timeout", "the probe did not return by its deadline", Date.now() - started)),
      Math.max(0, ctx.deadline - started) + DEADLINE_GRACE_MS,
    );
  });
  try {
    const outcome = await Promise.race([
      spec
        .run(config, ctx)
        .catch((error: unknown) => fail("probe_error", error instanceof Error ? error.message : String(error), Date.now() - started)),
      cutOff,
    ]);
    const judged = withinLatencyLimit(outcome, config.expect.maxLatencyMs);
    // Messages reach the API, D1 and Sentry: no secret may be in one, whatever the probe quoted.
    return { ...judged, message: finalMessage(judged.message, ctx.redact) };
  } finally {
    clearTimeout(timer);
  }
}
