import type { FailureClass } from "./model.ts";

/** A reason code: what one probe run found, as results, history, metrics exemplars and alerts carry it. */
export interface Reason {
  /** What the plane reads when a critical probe fails for this reason beyond what the quorum spares; `pass` for a passing run. */
  status: "pass" | FailureClass;
  /** What happened, in one line of the docs. */
  meaning: string;
  /** Which kinds or flows give it. */
  givenBy: string;
}

const SOCKET = "tcp, redis, postgres, grpc_health";
const ANY = "every probed kind";
const ASYNC = "async_predict";
const CHAT = "chat_completions";

/**
 * Every reason code the mesh gives, and the status it leads to. The status core reads the
 * classes from here, and docs/reasons.md is generated from it (`npm run docs`): a code given
 * anywhere is typed against this list.
 */
export const REASONS = {
  ok: { status: "pass", meaning: "The probe passed.", givenBy: "every kind" },
  submitted: {
    status: "pass",
    meaning: "The async request was accepted; its verdict comes with the webhook and the status, never stored as such.",
    givenBy: ASYNC,
  },
  credentials_missing: {
    status: "NO_USER",
    meaning: "A Worker secret the probe needs (API key, password, header or heartbeat token) is not set.",
    givenBy: "kinds that name a secret",
  },
  unauthorized: {
    status: "NO_USER",
    meaning: "The target refused the probe identity: HTTP 401/403, Redis NOAUTH or WRONGPASS.",
    givenBy: "sync_predict, async_predict, chat_completions, redis",
  },
  model_not_found: {
    status: "NO_ORACLE",
    meaning: "The health-check model does not exist: HTTP 404 or MODEL_DOES_NOT_EXIST.",
    givenBy: "sync_predict, async_predict, chat_completions",
  },
  timeout: { status: "FAILED", meaning: "No answer within timeoutSeconds.", givenBy: ANY },
  slow: {
    status: "FAILED",
    meaning: "The run passed, slower than `expect.maxLatencyMs`; with `critical: false` the plane reads DEGRADED.",
    givenBy: "every kind with `expect.maxLatencyMs`",
  },
  probe_error: { status: "FAILED", meaning: "The probe itself threw; the message says what.", givenBy: ANY },
  connection_failed: { status: "FAILED", meaning: "The connection could not be made (refused, reset, DNS, TLS).", givenBy: ANY },
  connection_closed: {
    status: "FAILED",
    meaning: "The server closed the connection before a complete reply (for HTTP: in the middle of the body).",
    givenBy: `${SOCKET}, http, sync_predict`,
  },
  too_many_redirects: {
    status: "FAILED",
    meaning: "More than 10 same-host redirects of a GET or HEAD (a loop); redirects to another host are not followed.",
    givenBy: "http",
  },
  reply_too_large: { status: "FAILED", meaning: "The reply went past the bytes the probe reads.", givenBy: SOCKET },
  unexpected_reply: {
    status: "FAILED",
    meaning: "The reply is not what the protocol or `expect` asks for; the message quotes what arrived.",
    givenBy: SOCKET,
  },
  protocol_error: {
    status: "FAILED",
    meaning: "The HTTP/2 conversation broke (bad frame, reset stream, GOAWAY).",
    givenBy: "grpc_health (grpc)",
  },
  unexpected_status: {
    status: "FAILED",
    meaning: "The HTTP status is not the one `expect` asks for.",
    givenBy: "sync_predict, async_predict, chat_completions, http, grpc_health",
  },
  body_mismatch: {
    status: "FAILED",
    meaning:
      "The body does not match `expect` (bodyContains, json, jsonPaths), or a chat answer's content does not (contains, regex, jsonSchema).",
    givenBy: "sync_predict, chat_completions, http",
  },
  body_too_large: {
    status: "FAILED",
    meaning: "The body exceeds maxBodyBytes, so it was not checked.",
    givenBy: "sync_predict, chat_completions, http",
  },
  invalid_json: {
    status: "FAILED",
    meaning:
      "`expect` checks JSON and the body (or a chat answer's content, for jsonSchema) is not JSON (or not UTF-8, which JSON must be).",
    givenBy: "sync_predict, chat_completions, http",
  },
  rate_limited: {
    status: "FAILED",
    meaning: "HTTP 429: the plane refused the request for its rate limit; the message quotes retry-after.",
    givenBy: CHAT,
  },
  stream_incomplete: {
    status: "FAILED",
    meaning: "The stream ended without a finish_reason or without `data: [DONE]`.",
    givenBy: CHAT,
  },
  stream_error: { status: "FAILED", meaning: "The stream carried an error event.", givenBy: CHAT },
  slow_first_token: {
    status: "FAILED",
    meaning: "The first content token came later than expect.maxTimeToFirstTokenMs.",
    givenBy: CHAT,
  },
  slow_generation: { status: "FAILED", meaning: "Tokens came slower than expect.minTokensPerSecond.", givenBy: CHAT },
  stream_stalled: {
    status: "FAILED",
    meaning: "A gap between two chunks of the stream was longer than expect.maxInterTokenGapMs.",
    givenBy: CHAT,
  },
  error_reply: { status: "FAILED", meaning: "Redis answered an error other than an authentication one (e.g. LOADING).", givenBy: "redis" },
  rejecting_connections: {
    status: "FAILED",
    meaning: "PostgreSQL answered SQLSTATE 57P03: starting up, shutting down or in recovery.",
    givenBy: "postgres",
  },
  tls_unavailable: { status: "FAILED", meaning: "`tls: require` and the PostgreSQL server does not offer TLS.", givenBy: "postgres" },
  not_serving: { status: "FAILED", meaning: "The gRPC health service answered a status other than SERVING.", givenBy: "grpc_health" },
  grpc_error: { status: "FAILED", meaning: "The gRPC call ended with a non-zero grpc-status.", givenBy: "grpc_health" },
  heartbeat_missed: {
    status: "FAILED",
    meaning: "No heartbeat within periodSeconds + graceSeconds (again every period while silent).",
    givenBy: "heartbeat",
  },
  webhook_unavailable: {
    status: "FAILED",
    meaning: "The mesh could not open a webhook endpoint (PUBLIC_URL unset, too many requests pending).",
    givenBy: ASYNC,
  },
  invalid_submit_reply: { status: "FAILED", meaning: "The submit answer has no request_id.", givenBy: ASYNC },
  webhook_timeout: { status: "FAILED", meaning: "No webhook within deadlineSeconds of the submit.", givenBy: ASYNC },
  webhook_payload_mismatch: {
    status: "FAILED",
    meaning: "The webhook's data does not match `expect.output` or `expect.outputPaths`.",
    givenBy: ASYNC,
  },
  webhook_delivery_failed: {
    status: "FAILED",
    meaning: "The platform reports it could not deliver the webhook (WEBHOOK_FAILED, webhook_status FAILED or CANCELED).",
    givenBy: ASYNC,
  },
  status_stuck: { status: "FAILED", meaning: "The request's status did not complete within deadlineSeconds.", givenBy: ASYNC },
  async_request_failed: {
    status: "FAILED",
    meaning: "The request ended FAILED, EXPIRED or CANCELED without an error code.",
    givenBy: ASYNC,
  },
  async_status_invalid: { status: "FAILED", meaning: "The polled statuses are unknown or go backwards.", givenBy: ASYNC },
  probe_removed: { status: "FAILED", meaning: "A webhook arrived for a probe that left the config.", givenBy: ASYNC },
  model_not_ready: { status: "FAILED", meaning: "The platform's error code MODEL_NOT_READY.", givenBy: ASYNC },
  model_invalid_input: { status: "FAILED", meaning: "The platform's error code MODEL_INVALID_INPUT.", givenBy: ASYNC },
  model_predict_error: { status: "FAILED", meaning: "The platform's error code MODEL_PREDICT_ERROR.", givenBy: ASYNC },
  model_unavailable: { status: "FAILED", meaning: "The platform's error code MODEL_UNAVAILABLE.", givenBy: ASYNC },
  model_predict_timeout: { status: "FAILED", meaning: "The platform's error code MODEL_PREDICT_TIMEOUT.", givenBy: ASYNC },
  internal_server_error: { status: "FAILED", meaning: "The platform's error code INTERNAL_SERVER_ERROR.", givenBy: ASYNC },
} as const satisfies Record<string, Reason>;

export type ReasonCode = keyof typeof REASONS;

const byCode = new Map<string, Reason>(Object.entries(REASONS));

/** The registered reason of a code; an error code a platform invented later is not registered, and reads FAILED. */
export function reasonOf(code: string): Reason | undefined {
  return byCode.get(code);
}

/** Codes whose failure reads this status: the status sets, from the registry. */
export function codesReading(status: Reason["status"]): ReasonCode[] {
  return (Object.keys(REASONS) as ReasonCode[]).filter((code) => REASONS[code].status === status);
}
