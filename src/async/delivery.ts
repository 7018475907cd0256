import type { PlaneConfig } from "../config/schema.ts";
import type { Env } from "../env.ts";
import { checkWebhook, webhookBodySchema, type WebhookBody } from "./webhook.ts";
import { verifySignature } from "./signature.ts";
import { verifyTicket } from "./token.ts";
import { increment } from "../objects/plane/counters.ts";
import {
  asyncProbeOf,
  pendingRow,
  recordSettled,
  recordWebhook,
  settle,
  tombstone,
  webhookKey,
  type Recording,
  type Settled,
} from "./pending.ts";
import { readSecret } from "../secrets.ts";

/** How each delivery ended, as counted in planewatch_webhook_deliveries_total{outcome}. */
export type WebhookOutcome =
  | "matched"
  | "duplicate"
  | "late"
  | "unknown"
  | "bad_token"
  | "bad_signature"
  | "too_large"
  | "invalid"
  | "stale";

export interface WebhookAnswer {
  status: 200 | 400 | 401 | 413;
  outcome: WebhookOutcome;
  message: string;
}

/** What the receiver passes on: the raw body (null when it was over the limit) and the headers that matter. */
export interface Delivery {
  body: string | null;
  signature: string | null;
  requestIdHeader: string | null;
}

/** A webhook's `time` older (or further ahead) than this is refused: a replay, or a clock gone wrong. */
const MAX_AGE_MS = 300_000;

function answer(status: WebhookAnswer["status"], outcome: WebhookOutcome, message: string): WebhookAnswer {
  return { status, outcome, message };
}

/** Counts deliveries by outcome: one row written per outcome, however many deliveries. */
export function countDeliveries(sql: SqlStorage, outcomes: readonly WebhookOutcome[]): void {
  const counts = new Map<WebhookOutcome, number>();
  for (const outcome of outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  for (const [outcome, n] of counts) increment(sql, "planewatch_webhook_deliveries_total", { outcome }, n);
}

/** A delivery that passed checkDelivery: its token's nonce and its body. */
export interface CheckedWebhook {
  nonce: string;
  body: WebhookBody;
}

/**
 * Everything about a delivery that needs no pending state: size, token, signature, shape, age.
 * Returns the token's nonce and the parsed body, or the refusal.
 */
export async function checkDelivery(
  sql: SqlStorage,
  env: Env,
  plane: PlaneConfig,
  token: string,
  delivery: Delivery,
  now: number,
): Promise<CheckedWebhook | WebhookAnswer> {
  if (delivery.body === null) return answer(413, "too_large", "the webhook body is over 264 KiB");
  const nonce = await verifyTicket(await webhookKey(sql), plane.id, token);
  if (nonce === null) return answer(401, "bad_token", "this webhook URL was not issued by this plane");
  if (plane.webhookSecret !== undefined) {
    const secret = readSecret(env, plane.webhookSecret);
    if (secret === undefined) {
      return answer(401, "bad_signature", `the mesh cannot check signatures: secret ${plane.webhookSecret} is not set`);
    }
    if (!(await verifySignature(delivery.body, delivery.signature, secret))) {
      return answer(401, "bad_signature", "X-BASETEN-SIGNATURE has no v1= value that matches the body under the plane's webhook secret");
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(delivery.body);
  } catch {
    return answer(400, "invalid", "the webhook body is not JSON");
  }
  const parsed = webhookBodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return answer(400, "invalid", `the webhook body is not an async_request_completed event: ${issue.path.join(".")}: ${issue.message}`);
  }
  const body = parsed.data;
  if (delivery.requestIdHeader !== null && delivery.requestIdHeader !== body.request_id) {
    return answer(400, "invalid", "X-BASETEN-REQUEST-ID and the body's request_id differ");
  }
  if (Math.abs(now - Date.parse(body.time)) > MAX_AGE_MS) {
    return answer(400, "stale", `the webhook's time ${body.time} is more than 300 s from now`);
  }
  return { nonce, body };
}

/**
 * Matches checked webhooks to their pending requests, settles those now decided and records
 * their results together, and counts every delivery (run in a transaction). A duplicate, a late
 * or an unknown delivery is answered 200, so the platform stops retrying, and changes nothing.
 * Answers each webhook, in order.
 */
export function matchWebhooks(
  sql: SqlStorage,
  plane: PlaneConfig,
  webhooks: readonly CheckedWebhook[],
  now: number,
  recording: Recording,
): WebhookAnswer[] {
  const settled: Settled[] = [];
  const answers = webhooks.map((webhook) => {
    const { answer, decided } = matchWebhook(sql, plane, webhook, now, recording);
    if (decided) settled.push(decided);
    return answer;
  });
  recordSettled(sql, plane, settled, recording);
  countDeliveries(
    sql,
    answers.map((a) => a.outcome),
  );
  return answers;
}

function matchWebhook(
  sql: SqlStorage,
  plane: PlaneConfig,
  { nonce, body }: CheckedWebhook,
  now: number,
  recording: Recording,
): { answer: WebhookAnswer; decided: Settled | null } {
  const unchanged = (answer: WebhookAnswer) => ({ answer, decided: null });
  const done = tombstone(sql, nonce);
  if (done) {
    return unchanged(
      done.hadWebhook
        ? answer(200, "duplicate", "already received")
        : answer(200, "late", "the request was already judged at its deadline"),
    );
  }
  const row = pendingRow(sql, nonce);
  if (!row || (row.request_id !== null && row.request_id !== body.request_id))
    return unchanged(answer(200, "unknown", "no pending request with this id"));
  if (row.webhook !== null) return unchanged(answer(200, "duplicate", "already received"));
  if (now >= row.deadline) return unchanged(answer(200, "late", "the request's deadline has passed"));
  const probe = asyncProbeOf(plane, row.probe);
  const check = probe ? checkWebhook(probe, body) : { ok: false, reason: "probe_removed", message: "the probe left the config" };
  const webhook = { at: now, ...check };
  // A webhook that decides its request closes it at once; one still waiting on its status is kept with it.
  const decided = settle(sql, plane, { ...row, request_id: body.request_id, webhook: JSON.stringify(webhook) }, now, recording);
  if (!decided) recordWebhook(sql, nonce, body.request_id, webhook);
  return { answer: answer(200, "matched", check.ok ? "matched" : `matched: ${check.message}`), decided };
}
