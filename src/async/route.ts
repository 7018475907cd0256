import { Hono } from "hono";
import { findPlane } from "../config/load.ts";
import { readBodyLimited } from "../lib/body.ts";
import { planeStub } from "../objects/stubs.ts";
import { requireValidConfig, type AppEnv } from "../http/middleware.ts";
import { BODY_TIMEOUT_MS } from "../http/bounds.ts";
import { problem } from "../http/problem.ts";
import { MAX_ASYNC_PAYLOAD_BYTES } from "../probes/async_predict.ts";

/** A little over the platform's 256 KiB payload limit, for the envelope around the model output. */
export const MAX_WEBHOOK_BYTES = MAX_ASYNC_PAYLOAD_BYTES + 8 * 1024;

export const webhooks = new Hono<AppEnv>();

webhooks.use("*", requireValidConfig);

/**
 * The async webhook receiver: reads at most MAX_WEBHOOK_BYTES while the body streams (the one
 * POST bound that is not src/http/bounds.ts's) and hands the raw body to the plane's object,
 * which counts an oversized one, checks token, signature, shape and age, then matches the request.
 */
webhooks.post("/async/:plane/:token", async (c) => {
  const planeId = c.req.param("plane");
  if (!findPlane(c.env, planeId)) {
    return problem(c, 404, "Unknown plane", `No plane "${planeId}" is configured.`);
  }
  const declared = Number(c.req.header("content-length") ?? 0);
  const read =
    declared > MAX_WEBHOOK_BYTES
      ? { text: "", truncated: true }
      : await readBodyLimited(c.req.raw, MAX_WEBHOOK_BYTES, AbortSignal.timeout(BODY_TIMEOUT_MS)).catch(() => null);
  if (read === null) return problem(c, 400, "Body not received", "The webhook body did not arrive in time.");
  const answer = await planeStub(c.env, planeId).webhook(planeId, c.req.param("token"), {
    body: read.truncated ? null : read.text,
    signature: c.req.header("x-baseten-signature") ?? null,
    requestIdHeader: c.req.header("x-baseten-request-id") ?? null,
  });
  if (answer.status === 200) return c.json({ outcome: answer.outcome, message: answer.message });
  const titles = { 400: "Invalid webhook", 401: "Webhook not authenticated", 413: "Webhook too large" } as const;
  return problem(c, answer.status, titles[answer.status], answer.message, { outcome: answer.outcome });
});
