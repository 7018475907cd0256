/**
 * Async inference, in the order one request lives. The whole flow is in this folder, but for
 * the kind's spec in src/probes/async_predict.ts (its config, and the submit it runs).
 *
 * 1. Open (endpoint.ts, pending.ts, token.ts): just before the submit, the Prober object asks
 *    the plane's object for a webhook endpoint. The Plane object stores a pending request
 *    under a random nonce, arms its deadline, and issues a token signed with a key only it
 *    holds: the URL is {PUBLIC_URL}/webhooks/async/{plane}/{token}.
 * 2. Submit (src/probes/async_predict.ts): POST {baseUrl}/async_predict with that endpoint.
 *    An accepted request is no verdict yet: the Prober reports the submission (its request
 *    id, or the failure) with its round, and the Plane object starts polling.
 * 3. Webhook (route.ts, delivery.ts, signature.ts, webhook.ts): the receiver reads a bounded
 *    body and hands it to the plane's object, which checks token, signature, shape and age,
 *    matches it to its pending request and checks the payload against `expect`. Duplicates,
 *    late and unknown deliveries are answered 200 and change nothing.
 * 4. Poll (follow.ts, poll.ts): on its alarm the Plane object reads /async_request/{id} of
 *    every request that is due, until the status completes.
 * 5. Judge (judge.ts, pending.ts): pure rules turn what was seen into a verdict at every change
 *    and at the deadline; the verdict is recorded as the probe's result (latency up to the
 *    webhook) and the request leaves a tombstone, so a repeated webhook changes nothing.
 *
 * Other layers use the flow through this file.
 */
export { openWebhookEndpoint } from "./endpoint.ts";
export { openRequest, pendingCount, recordSubmission, type Recording, type Submission } from "./pending.ts";
export type { Ticket } from "./token.ts";
export { webhooks } from "./route.ts";
export {
  checkDelivery,
  countDeliveries,
  matchWebhooks,
  type CheckedWebhook,
  type Delivery,
  type WebhookAnswer,
} from "./delivery.ts";
export { followAsync, type ObjectStorage } from "./follow.ts";
