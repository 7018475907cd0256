import { z } from "zod";
import { parseJson } from "../lib/json.ts";
import { MAX_REPLY_BYTES, type AsyncPredictProbe } from "../probes/async_predict.ts";
import type { ProbeContext } from "../probes/types.ts";
import { exchange, isExchange } from "../probes/wire/exchange.ts";
import { resolveUrl } from "../probes/wire/expect.ts";
import { apiHeaders } from "../probes/wire/plane_api.ts";

export const asyncErrorSchema = z.object({ code: z.string().max(100), message: z.string().max(2000) });

const statusReplySchema = z.object({
  status: z.string().max(40),
  webhook_status: z.string().max(40),
  errors: z.array(asyncErrorSchema).nullable().optional(),
});

export interface StatusPoll {
  status: string;
  webhookStatus: string;
  error: { code: string; message: string } | null;
}

/** One look at `GET {base}{statusPath}/{request_id}`. */
export async function pollAsyncStatus(
  config: AsyncPredictProbe,
  ctx: ProbeContext,
  requestId: string,
): Promise<StatusPoll | { failure: string }> {
  const headers = apiHeaders(ctx);
  if (!(headers instanceof Headers)) return { failure: headers.message };
  const url = resolveUrl(ctx.baseUrl, `${config.statusPath}/${encodeURIComponent(requestId)}`);
  const ex = await exchange(ctx, url, { method: "GET", headers }, MAX_REPLY_BYTES);
  if (!isExchange(ex)) return { failure: `${ex.reason}: ${ex.message}` };
  if (ex.status < 200 || ex.status > 299) return { failure: `status endpoint answered ${ex.status}` };
  const reply = statusReplySchema.safeParse(parseJson(ex.body));
  if (!reply.success) return { failure: "status endpoint answer has no status and webhook_status" };
  return { status: reply.data.status, webhookStatus: reply.data.webhook_status, error: reply.data.errors?.[0] ?? null };
}
