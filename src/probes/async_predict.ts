import { z } from "zod";
import { parseJson } from "../lib/json.ts";
import { INFERENCE_TIMING, maxLatencyMsSchema, probeFields } from "./common.ts";
import { exchange, isExchange } from "./wire/exchange.ts";
import { jsonPathCheckSchema, resolveUrl, statusMatches, statusSpecSchema } from "./wire/expect.ts";
import { credentialsMissing, fail } from "./outcome.ts";
import { apiHeaders, refusal } from "./wire/plane_api.ts";
import type { Prober, PulledKindSpec } from "./types.ts";

/** The platform's limit on an async request's payload. */
export const MAX_ASYNC_PAYLOAD_BYTES = 256 * 1024;
/** Submit and status answers are small JSON documents. */
export const MAX_REPLY_BYTES = 64 * 1024;

export const asyncPredictProbeSchema = z
  .object({
    kind: z.literal("async_predict"),
    ...probeFields(INFERENCE_TIMING),
    path: z
      .string()
      .regex(/^\/\S*$/, "expected a path starting with /")
      .default("/async_predict")
      .describe("Joined to the plane's baseUrl."),
    statusPath: z
      .string()
      .regex(/^\/\S*$/, "expected a path starting with /")
      .default("/async_request")
      .describe("The request's status is read from {baseUrl}{statusPath}/{request_id}."),
    input: z
      .json()
      .refine((v) => JSON.stringify(v).length <= MAX_ASYNC_PAYLOAD_BYTES - 1024, "the model input must leave the request under 256 KiB")
      .describe("The model input, sent as model_input."),
    expect: z
      .object({
        submitStatus: statusSpecSchema.default("200-299").describe("Accepted statuses of the submit."),
        output: z.json().optional().describe("The webhook's data must equal this value."),
        outputPaths: z.array(jsonPathCheckSchema).optional().describe("Checks on the webhook's data."),
        maxLatencyMs: maxLatencyMsSchema,
      })
      .strict()
      .default({ submitStatus: "200-299" })
      .describe("What the submit, the webhook and its data must be."),
    deadlineSeconds: z
      .number()
      .min(1)
      .max(3600)
      .default(60)
      .describe("The webhook must arrive and the status complete within this long of the submit."),
    pollIntervalSeconds: z.number().min(0.2).max(60).default(5).describe("How often the status is polled."),
    priority: z.number().int().min(0).max(2).optional().describe("Sent as priority."),
    maxTimeInQueueSeconds: z
      .number()
      .int()
      .min(10)
      .max(72 * 3600)
      .optional()
      .describe("Sent as max_time_in_queue_seconds."),
    inferenceRetryConfig: z.record(z.string(), z.json()).optional().describe("Sent as inference_retry_config."),
  })
  .strict();
export type AsyncPredictProbe = z.infer<typeof asyncPredictProbeSchema>;

/**
 * Submits `POST {base}/async_predict` with a webhook endpoint on this mesh. An accepted
 * request is not a verdict: the outcome carries its `requestId`, and the Plane object judges
 * it when the webhook and the status have been seen, or at the deadline.
 */
export const probeAsyncPredict: Prober<AsyncPredictProbe> = async (config, ctx) => {
  const headers = apiHeaders(ctx);
  if (!(headers instanceof Headers)) return headers;
  if (ctx.webhookSecret && ctx.webhookSecret.value === undefined) return credentialsMissing(ctx.webhookSecret.secretName);
  let endpoint: string;
  try {
    endpoint = await ctx.webhookEndpoint();
  } catch (error) {
    return fail("webhook_unavailable", error instanceof Error ? error.message : String(error), 0);
  }
  const body = {
    model_input: config.input,
    webhook_endpoint: endpoint,
    priority: config.priority,
    max_time_in_queue_seconds: config.maxTimeInQueueSeconds,
    inference_retry_config: config.inferenceRetryConfig,
  };
  const ex = await exchange(
    ctx,
    resolveUrl(ctx.baseUrl, config.path),
    { method: "POST", headers, body: JSON.stringify(body) },
    MAX_REPLY_BYTES,
  );
  if (!isExchange(ex)) return ex;
  const refused = refusal(ex);
  if (refused) return refused;
  if (!statusMatches(ex.status, config.expect.submitStatus)) {
    return fail("unexpected_status", `submit answered ${ex.status}, expected ${config.expect.submitStatus}`, ex.latencyMs, ex.status);
  }
  const reply = z.object({ request_id: z.string().min(1).max(200) }).safeParse(parseJson(ex.body));
  if (!reply.success) return fail("invalid_submit_reply", "submit answer has no request_id", ex.latencyMs, ex.status);
  return {
    ok: true,
    reason: "submitted",
    latencyMs: ex.latencyMs,
    httpStatus: ex.status,
    message: `request ${reply.data.request_id} submitted`,
    requestId: reply.data.request_id,
  };
};

export const asyncPredict: PulledKindSpec<typeof asyncPredictProbeSchema> = {
  kind: "async_predict",
  summary:
    "`POST {baseUrl}/async_predict` with a webhook endpoint on this mesh; the signed webhook and the polled `/async_request` status must both complete within `deadlineSeconds`.",
  schema: asyncPredictProbeSchema,
  example: { kind: "async_predict", input: { text: "ping" }, expect: { output: { label: "pong" } }, deadlineSeconds: 120 },
  run: probeAsyncPredict,
  needs: () => ({ baseUrl: true }),
  speaksHttp: true,
  settlesLater: { deadlineSeconds: (probe) => probe.deadlineSeconds },
  needsPublicUrl: true,
};
