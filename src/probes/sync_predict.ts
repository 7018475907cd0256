import { z } from "zod";
import { INFERENCE_TIMING, probeFields } from "./common.ts";
import { exchange, isExchange, judge } from "./exchange.ts";
import { expectSchema, resolveUrl } from "./expect.ts";
import { credentialsMissing, fail } from "./outcome.ts";
import type { Prober } from "./types.ts";

export const syncPredictProbeSchema = z
  .object({
    kind: z.literal("sync_predict"),
    ...probeFields(INFERENCE_TIMING),
    path: z.string().regex(/^\/\S*$/, "expected a path starting with /").default("/predict"),
    input: z.json().describe("The model input, sent as the raw JSON body."),
    expect: expectSchema(200),
    maxBodyBytes: z.number().int().min(0).max(8 * 1024 * 1024).default(1024 * 1024),
  })
  .strict();
export type SyncPredictProbe = z.infer<typeof syncPredictProbeSchema>;

/**
 * `POST {base}/predict` with `Authorization: Api-Key …`. A rejected identity (401/403) reads
 * NO_USER and a missing health-check model (404, MODEL_DOES_NOT_EXIST) NO_ORACLE, as in the
 * runbook; anything else is judged against `expect`.
 */
export const probeSyncPredict: Prober<SyncPredictProbe> = async (config, ctx) => {
  const headers = new Headers({ "content-type": "application/json" });
  if (ctx.apiKey) {
    if (ctx.apiKey.value === undefined) return credentialsMissing(ctx.apiKey.secretName);
    headers.set("authorization", `Api-Key ${ctx.apiKey.value}`);
  }
  const ex = await exchange(
    ctx,
    resolveUrl(ctx.baseUrl, config.path),
    { method: "POST", headers, body: JSON.stringify(config.input) },
    config.maxBodyBytes,
  );
  if (!isExchange(ex)) return ex;
  if (ex.status === 401 || ex.status === 403) {
    return fail("unauthorized", `the plane refused the probe identity (${ex.status})`, ex.latencyMs, ex.status);
  }
  if (ex.status === 404 || ex.body.includes("MODEL_DOES_NOT_EXIST")) {
    return fail("model_not_found", `the health-check model does not exist (${ex.status})`, ex.latencyMs, ex.status);
  }
  return judge(config.expect, ex, ctx.redact);
};
