import { z } from "zod";
import { INFERENCE_TIMING, probeFields } from "./common.ts";
import { exchange, isExchange, judge, streamedExchange } from "./wire/exchange.ts";
import { expectSchema, resolveUrl } from "./wire/expect.ts";
import { apiHeaders, refusal } from "./wire/plane_api.ts";
import type { Prober, PulledKindSpec } from "./types.ts";

export const syncPredictProbeSchema = z
  .object({
    kind: z.literal("sync_predict"),
    ...probeFields(INFERENCE_TIMING),
    path: z
      .string()
      .regex(/^\/\S*$/, "expected a path starting with /")
      .default("/predict")
      .describe("Joined to the plane's baseUrl."),
    input: z.json().describe("The model input, sent as the raw JSON body."),
    expect: expectSchema(200),
    maxBodyBytes: z
      .number()
      .int()
      .min(0)
      .max(8 * 1024 * 1024)
      .default(1024 * 1024)
      .describe("Most bytes of the answer read and checked."),
    stream: z
      .boolean()
      .default(false)
      .describe("The model streams its answer: read it as it comes and measure its first byte (probe_stream_time_to_first_byte_seconds)."),
  })
  .strict();
export type SyncPredictProbe = z.infer<typeof syncPredictProbeSchema>;

/**
 * `POST {base}/predict` with `Authorization: Api-Key …`; an answer that is not a refusal
 * (src/probes/wire/plane_api.ts) is judged against `expect`. With `stream`, the answer is
 * read as it streams, and the time to its first byte is measured.
 */
export const probeSyncPredict: Prober<SyncPredictProbe> = async (config, ctx) => {
  const headers = apiHeaders(ctx);
  if (!(headers instanceof Headers)) return headers;
  const ex = await (config.stream ? streamedExchange : exchange)(
    ctx,
    resolveUrl(ctx.baseUrl, config.path),
    { method: "POST", headers, body: JSON.stringify(config.input) },
    config.maxBodyBytes,
  );
  if (!isExchange(ex)) return ex;
  return refusal(ex) ?? judge(config.expect, ex, ctx.redact);
};

export const syncPredict: PulledKindSpec<typeof syncPredictProbeSchema> = {
  kind: "sync_predict",
  summary: "`POST {baseUrl}/predict` with the model input and `Authorization: Api-Key …`; checks status and body.",
  schema: syncPredictProbeSchema,
  example: { kind: "sync_predict", input: { text: "ping" }, expect: { jsonPaths: [{ path: "$.label", exists: true }] } },
  run: probeSyncPredict,
  needs: () => ({ baseUrl: true }),
  speaksHttp: true,
};
