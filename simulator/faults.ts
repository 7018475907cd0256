import { z } from "zod";

/** The error codes an async request can end with (the platform's list). */
export const ASYNC_ERROR_CODES = [
  "MODEL_NOT_READY",
  "MODEL_DOES_NOT_EXIST",
  "MODEL_INVALID_INPUT",
  "MODEL_PREDICT_ERROR",
  "MODEL_UNAVAILABLE",
  "MODEL_PREDICT_TIMEOUT",
  "INTERNAL_SERVER_ERROR",
] as const;

/** Faults a simulated plane can be told to have, switchable at run time. */
export const faultsSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(600_000).optional().describe("Delay before answering."),
    status: z.number().int().min(100).max(599).optional().describe("Answer /predict and /async_predict with this status."),
    unauthorized: z.boolean().optional().describe("Answer 401 whatever the key."),
    modelMissing: z.boolean().optional().describe("Answer 404 MODEL_DOES_NOT_EXIST."),
    wrongBody: z.boolean().optional().describe("An unexpected model output (sync answer and async webhook data)."),
    hang: z.boolean().optional().describe("Never answer (until the client gives up)."),
    slowBody: z.boolean().optional().describe("Send headers at once, then the body one byte every 500 ms."),
    unready: z.boolean().optional().describe("Answer 503 on readyz and the full healthz."),
    asyncDelayMs: z.number().int().min(0).max(600_000).optional().describe("Time an async request takes (default 300 ms)."),
    webhook: z
      .enum(["drop", "twice", "late", "bad_signature"])
      .optional()
      .describe(
        "drop: never deliver (but report it delivered); twice: deliver a duplicate; late: deliver after lateMs; bad_signature: sign with a wrong secret.",
      ),
    lateMs: z.number().int().min(0).max(600_000).optional().describe("When a late webhook is delivered (default 70 s)."),
    asyncError: z.enum(ASYNC_ERROR_CODES).optional().describe("End async requests FAILED with this error code."),
    stuckQueued: z.boolean().optional().describe("Async requests stay QUEUED and no webhook is sent."),
    firstTokenDelayMs: z.number().int().min(0).max(600_000).optional().describe("Chat completions: time before the first token."),
    tokensPerSecond: z.number().min(0.1).max(10_000).optional().describe("Chat completions: the pace of the tokens (default 50)."),
    stallMs: z.number().int().min(0).max(600_000).optional().describe("Chat completions: a pause this long halfway through the tokens."),
    cutStream: z.boolean().optional().describe("Chat completions: end the stream halfway, without finish_reason or [DONE]."),
    streamError: z.boolean().optional().describe("Chat completions: an error event halfway through the stream."),
    retryAfterSeconds: z.number().int().min(0).max(86_400).optional().describe("Chat completions: answer 429 with this retry-after."),
  })
  .strict();
export type Faults = z.infer<typeof faultsSchema>;

/** Parses the SIM_FAULTS variable: { "<plane>": Faults, … }, the faults a plane starts with. */
export function initialFaults(raw: string | undefined): Record<string, Faults> {
  if (!raw) return {};
  return z.record(z.string(), faultsSchema).parse(JSON.parse(raw));
}

/** The health-check model: it echoes its input, unless told to answer wrong. */
export function modelOutput(input: unknown, faults: Faults): unknown {
  return faults.wrongBody ? { status: "degraded", echo: null } : { status: "ok", echo: input };
}
