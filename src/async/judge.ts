/**
 * The verdict of one async inference request, from what the mesh has seen of it: the webhook
 * (if it came and how it checked out) and the statuses polled from `/async_request/{id}`.
 * Pure: the Plane object stores the observations and asks this function at every change and
 * at the deadline.
 */

/** The statuses `/async_request/{id}` answers. */
const ASYNC_STATUSES = ["QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED", "EXPIRED", "CANCELED", "WEBHOOK_FAILED"] as const;

/** The reason an async error code gives a result: a missing model reads NO_ORACLE, any other code is itself. */
export function errorReason(code: string): string {
  return code === "MODEL_DOES_NOT_EXIST" ? "model_not_found" : code.toLowerCase();
}

/** The webhook as it checked out when it arrived: payload and error codes against the expectation. */
export interface WebhookCheck {
  at: number;
  ok: boolean;
  reason: string;
  message: string;
}

export interface AsyncObservation {
  /** When the request was submitted (its ticket was issued just before). */
  submittedAt: number;
  deadline: number;
  webhook: WebhookCheck | null;
  /** Statuses seen by polling, in order, consecutive repeats folded. */
  statuses: string[];
  /** The latest `webhook_status` seen by polling. */
  webhookStatus: string | null;
  /** The first error the status endpoint reported, if any. */
  statusError: { code: string; message: string } | null;
  /** Why the latest poll failed, if it did (shown when the deadline passes). */
  pollError: string | null;
}

export type AsyncVerdict = { done: false } | { done: true; ok: boolean; reason: string; message: string; latencyMs: number };

const RANK: Record<string, number> = { QUEUED: 0, IN_PROGRESS: 1 };
const rank = (status: string) => RANK[status] ?? 2;
const isTerminal = (status: string | undefined) => status !== undefined && rank(status) === 2;

/** Statuses may be skipped between polls but never go back, and a terminal status never changes. */
function sequenceProblem(statuses: readonly string[]): string | null {
  const unknown = statuses.find((s) => !(ASYNC_STATUSES as readonly string[]).includes(s));
  if (unknown !== undefined) return `unknown status ${unknown}`;
  for (let i = 1; i < statuses.length; i++) {
    if (rank(statuses[i]!) < rank(statuses[i - 1]!) || isTerminal(statuses[i - 1])) {
      return `statuses out of order: ${statuses.join(" → ")}`;
    }
  }
  return null;
}

function seen(o: AsyncObservation): string {
  const statuses = o.statuses.length > 0 ? o.statuses.join(" → ") : "no status seen";
  const poll = o.pollError ? `; last poll failed: ${o.pollError}` : "";
  return `${statuses}, webhook_status ${o.webhookStatus ?? "unseen"}${poll}`;
}

export function judgeAsync(o: AsyncObservation, now: number): AsyncVerdict {
  const fail = (reason: string, message: string): AsyncVerdict => ({
    done: true,
    ok: false,
    reason,
    message,
    latencyMs: (o.webhook?.at ?? now) - o.submittedAt,
  });
  if (o.webhook && !o.webhook.ok) return fail(o.webhook.reason, o.webhook.message);
  const problem = sequenceProblem(o.statuses);
  if (problem) return fail("async_status_invalid", problem);
  const last = o.statuses.at(-1);
  if (
    last === "WEBHOOK_FAILED" ||
    o.webhookStatus === "FAILED" ||
    o.webhookStatus === "CANCELED" ||
    o.webhookStatus === "NO_WEBHOOK_PROVIDED"
  ) {
    return fail("webhook_delivery_failed", `the platform could not deliver the webhook: ${seen(o)}`);
  }
  if (isTerminal(last) && last !== "SUCCEEDED") {
    // The webhook may not have come yet; the status carries the same error.
    if (o.statusError) return fail(errorReason(o.statusError.code), `${o.statusError.code}: ${o.statusError.message}`);
    return fail("async_request_failed", `request ended ${last}: ${seen(o)}`);
  }
  if (o.webhook && last === "SUCCEEDED" && o.webhookStatus === "SUCCEEDED") {
    return {
      done: true,
      ok: true,
      reason: "ok",
      message: `webhook after ${o.webhook.at - o.submittedAt} ms; ${seen(o)}`,
      latencyMs: o.webhook.at - o.submittedAt,
    };
  }
  if (now < o.deadline) return { done: false };
  const waited = `${Math.round((o.deadline - o.submittedAt) / 1000)} s`;
  if (!o.webhook && !isTerminal(last)) {
    return fail("status_stuck", `no webhook and the request still ${last ?? "unseen"} after ${waited}: ${seen(o)}`);
  }
  if (!o.webhook) return fail("webhook_timeout", `no webhook within ${waited}: ${seen(o)}`);
  return fail("status_stuck", `the webhook came but the status did not complete within ${waited}: ${seen(o)}`);
}

/** Appends a polled status, folding a repeat of the last one. */
export function appendStatus(statuses: readonly string[], status: string): string[] {
  return statuses.at(-1) === status ? [...statuses] : [...statuses, status];
}
