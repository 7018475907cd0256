import { z } from "zod";
import type { AsyncPredictProbe } from "../probes/async_predict.ts";
import { checkBody } from "../probes/wire/expect.ts";
import { errorReason } from "./judge.ts";
import { asyncErrorSchema } from "./poll.ts";

/** What the platform POSTs to the webhook endpoint when a request completes. */
export const webhookBodySchema = z.object({
  request_id: z.string().min(1).max(200),
  model_id: z.string().max(200).optional(),
  deployment_id: z.string().max(200).optional(),
  type: z.literal("async_request_completed"),
  time: z.iso.datetime({ offset: true }),
  data: z.json().nullable(),
  errors: z.array(asyncErrorSchema).nullable().default([]),
});
export type WebhookBody = z.infer<typeof webhookBodySchema>;

/**
 * The webhook against the expectation: an error code fails it (MODEL_DOES_NOT_EXIST reads
 * NO_ORACLE, any other code is the reason), and the data must match `expect`.
 */
export function checkWebhook(config: AsyncPredictProbe, body: WebhookBody): { ok: boolean; reason: string; message: string } {
  const error = body.errors?.[0];
  if (error) return { ok: false, reason: errorReason(error.code), message: `${error.code}: ${error.message}` };
  const { output, outputPaths } = config.expect;
  const mismatch = checkBody({ status: 200, json: output, jsonPaths: outputPaths }, JSON.stringify(body.data), 0, 200);
  if (mismatch) return { ok: false, reason: "webhook_payload_mismatch", message: mismatch.message };
  return { ok: true, reason: "ok", message: "webhook payload as expected" };
}
