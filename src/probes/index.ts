import { z } from "zod";
import { asyncPredictProbeSchema, probeAsyncPredict } from "./async_predict.ts";
import { probeHttp, httpProbeSchema } from "./http.ts";
import { fail } from "./outcome.ts";
import { probeSyncPredict, syncPredictProbeSchema } from "./sync_predict.ts";
import type { ProbeContext, ProbeOutcome, Prober } from "./types.ts";

/** Every probe kind: its config schema here, its prober in PROBERS below. */
export const probeSchema = z.discriminatedUnion("kind", [syncPredictProbeSchema, asyncPredictProbeSchema, httpProbeSchema]);
export type ProbeConfig = z.infer<typeof probeSchema>;
export type ProbeKind = ProbeConfig["kind"];

const PROBERS: { [K in ProbeKind]: Prober<Extract<ProbeConfig, { kind: K }>> } = {
  sync_predict: probeSyncPredict,
  async_predict: probeAsyncPredict,
  http: probeHttp,
};

/** Past the deadline a probe gets this much longer to return its own verdict before it is cut off. */
const DEADLINE_GRACE_MS = 250;

/**
 * Runs one probe. Whatever the probe does (throws, ignores its signal, hangs in a read), this
 * returns by the deadline plus a small grace, so one target can never hold a Prober object.
 */
export async function runProbe(config: ProbeConfig, ctx: ProbeContext): Promise<ProbeOutcome> {
  const started = Date.now();
  const prober = PROBERS[config.kind] as Prober<ProbeConfig>;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cutOff = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve(fail("timeout", "the probe did not return by its deadline", Date.now() - started)),
      Math.max(0, ctx.deadline - started) + DEADLINE_GRACE_MS,
    );
  });
  try {
    return await Promise.race([
      prober(config, ctx).catch((error: unknown) =>
        fail("probe_error", error instanceof Error ? error.message : String(error), Date.now() - started),
      ),
      cutOff,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
