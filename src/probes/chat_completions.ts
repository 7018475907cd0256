import { z } from "zod";
import type { StreamFigures } from "../status/model.ts";
import { readBodyLimited } from "../lib/body.ts";
import { INFERENCE_TIMING, maxLatencyMsSchema, probeFields } from "./common.ts";
import { excerpt, fail, failFromError, pass } from "./outcome.ts";
import { readChatJson, readChatStream, type ChatAnswer } from "./wire/chat_stream.ts";
import { checkContent, contentExpectFields } from "./wire/content.ts";
import { resolveUrl } from "./wire/expect.ts";
import { apiHeaders, AUTH_SCHEMES, refusal } from "./wire/plane_api.ts";
import type { ProbeContext, ProbeOutcome, ProbeProblem, Prober, PulledKindSpec } from "./types.ts";

/** Request fields the probe sets itself: extraBody may not set them too. */
const OWN_FIELDS = ["model", "messages", "max_tokens", "stream", "stream_options"];
/** What an error answer is read of, for its message and the refusal checks. */
const ERROR_BODY_BYTES = 16 * 1024;

const messageSchema = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant"]).describe("Who says it."),
    content: z
      .string()
      .max(32 * 1024)
      .describe("What is said."),
  })
  .strict();

export const chatCompletionsProbeSchema = z
  .object({
    kind: z.literal("chat_completions"),
    ...probeFields(INFERENCE_TIMING),
    path: z
      .string()
      .regex(/^\/\S*$/, "expected a path starting with /")
      .default("/v1/chat/completions")
      .describe("Joined to the plane's baseUrl."),
    model: z.string().min(1).max(256).describe("The model to ask."),
    messages: z.array(messageSchema).min(1).max(64).describe('The chat messages to send: [{"role": "user", "content": "Say pong"}].'),
    maxTokens: z.number().int().min(1).max(32_768).default(16).describe("Sent as max_tokens: the most tokens the answer may have."),
    stream: z
      .boolean()
      .default(true)
      .describe("Stream the answer (with stream_options.include_usage) and measure it; false judges a whole answer."),
    extraBody: z
      .record(z.string(), z.json())
      .refine((extra) => OWN_FIELDS.every((field) => !Object.hasOwn(extra, field)), `may not set ${OWN_FIELDS.join(", ")}`)
      .optional()
      .describe('More request fields, e.g. {"temperature": 0, "response_format": {"type": "json_object"}}.'),
    authScheme: z
      .enum(AUTH_SCHEMES)
      .default("Bearer")
      .describe("How the plane's apiKeySecret is sent: `Authorization: Bearer …` (OpenAI) or `Api-Key …`."),
    expect: z
      .object({
        ...contentExpectFields,
        maxLatencyMs: maxLatencyMsSchema,
        maxTimeToFirstTokenMs: z
          .number()
          .positive()
          .max(600_000)
          .optional()
          .describe("Fails with slow_first_token when the first content token comes later."),
        minTokensPerSecond: z.number().positive().max(100_000).optional().describe("Fails with slow_generation when tokens come slower."),
        maxInterTokenGapMs: z
          .number()
          .positive()
          .max(600_000)
          .optional()
          .describe("Fails with stream_stalled when two chunks are further apart."),
      })
      .strict()
      .default({})
      .describe("What the answer must be; the thresholds need stream: true."),
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(8 * 1024 * 1024)
      .default(1024 * 1024)
      .describe("Most bytes of the answer (the whole stream) read."),
  })
  .strict();
export type ChatCompletionsProbe = z.infer<typeof chatCompletionsProbeSchema>;

function requestBody(config: ChatCompletionsProbe): string {
  return JSON.stringify({
    ...config.extraBody,
    model: config.model,
    messages: config.messages,
    max_tokens: config.maxTokens,
    stream: config.stream,
    ...(config.stream ? { stream_options: { include_usage: true } } : {}),
  });
}

const ms = (value: number) => `${Math.round(value)} ms`;

/** One line of what the run measured, for the message of a passing run. */
function describe(figures: StreamFigures, totalMs: number): string {
  const parts = [
    figures.timeToFirstTokenMs === undefined ? undefined : `first token ${ms(figures.timeToFirstTokenMs)}`,
    figures.outputTokens === undefined ? undefined : `${figures.outputTokens} tokens`,
    figures.tokensPerSecond === undefined ? undefined : `${figures.tokensPerSecond.toFixed(1)} tokens/s`,
    `total ${ms(totalMs)}`,
  ];
  return parts.filter((p) => p !== undefined).join(", ");
}

/** An answer that is not 200: the usual refusals, a rate limit, or an unexpected status. */
async function refused(response: Response, config: ChatCompletionsProbe, started: number, ctx: ProbeContext): Promise<ProbeOutcome> {
  const { bytes, text, truncated } = await readBodyLimited(response, ERROR_BODY_BYTES, ctx.signal).catch(() => ({
    bytes: new Uint8Array(0),
    text: "",
    truncated: false,
  }));
  const latencyMs = Date.now() - started;
  const status = response.status;
  const ex = { status, headers: response.headers, bytes, body: text, truncated, latencyMs };
  if (status === 429) {
    const retryAfter = response.headers.get("retry-after");
    return fail(
      "rate_limited",
      `rate limited (429)${retryAfter ? `, retry-after ${excerpt(retryAfter, ctx.redact)}` : ""}`,
      latencyMs,
      status,
    );
  }
  return refusal(ex) ?? fail("unexpected_status", `status ${status}, expected 200 for model ${config.model}`, latencyMs, status);
}

/** The verdict of an answer: its integrity first, then its content, then the thresholds. */
function judgeAnswer(config: ChatCompletionsProbe, answer: ChatAnswer, redact: (text: string) => string): ProbeOutcome {
  const { figures, totalMs } = answer;
  const failed = (reason: Parameters<typeof fail>[0], message: string): ProbeOutcome => ({
    ...fail(reason, message, totalMs, 200),
    figures,
  });
  if (answer.timedOut) return failed("timeout", `the answer did not end within the timeout (${describe(figures, totalMs)})`);
  if (answer.truncated) return failed("body_too_large", "the answer exceeds maxBodyBytes; not checked");
  if (answer.error !== null) return failed("stream_error", `error in the answer: ${excerpt(answer.error, redact)}`);
  if (answer.finishReason === null || !answer.done) {
    const missing = answer.finishReason === null ? "a finish_reason" : "data: [DONE]";
    return failed("stream_incomplete", `the stream ended without ${missing} (${describe(figures, totalMs)})`);
  }
  const content = checkContent(config.expect, answer.content, redact);
  if (content) return failed(content.reason, content.message);
  const { maxTimeToFirstTokenMs, minTokensPerSecond, maxInterTokenGapMs } = config.expect;
  if (maxTimeToFirstTokenMs !== undefined && (figures.timeToFirstTokenMs ?? Infinity) > maxTimeToFirstTokenMs) {
    const seen = figures.timeToFirstTokenMs === undefined ? "no content token came" : `first token after ${ms(figures.timeToFirstTokenMs)}`;
    return failed("slow_first_token", `${seen}, expected at most ${ms(maxTimeToFirstTokenMs)}`);
  }
  if (minTokensPerSecond !== undefined && figures.tokensPerSecond !== undefined && figures.tokensPerSecond < minTokensPerSecond) {
    return failed("slow_generation", `${figures.tokensPerSecond.toFixed(1)} tokens/s, expected at least ${minTokensPerSecond}`);
  }
  if (maxInterTokenGapMs !== undefined && (figures.maxInterTokenGapMs ?? 0) > maxInterTokenGapMs) {
    return failed(
      "stream_stalled",
      `the stream stalled ${ms(figures.maxInterTokenGapMs!)}, expected gaps of at most ${ms(maxInterTokenGapMs)}`,
    );
  }
  return { ...pass(totalMs, describe(figures, totalMs), 200), figures };
}

/**
 * `POST {base}/v1/chat/completions` as an OpenAI client does; a streamed answer is read within
 * the byte budget and the timeout, measured (time to first token, tokens, tokens per second,
 * longest gap) and judged: it must finish (finish_reason and `data: [DONE]`) without an error
 * event, its content must satisfy `expect`, and its figures the thresholds.
 */
export const probeChatCompletions: Prober<ChatCompletionsProbe> = async (config, ctx) => {
  const headers = apiHeaders(ctx, config.authScheme);
  if (!(headers instanceof Headers)) return headers;
  if (config.stream) headers.set("accept", "text/event-stream");
  const started = Date.now();
  let response: Response;
  try {
    response = await ctx.fetch(resolveUrl(ctx.baseUrl, config.path), {
      method: "POST",
      headers,
      body: requestBody(config),
      redirect: "manual",
      signal: ctx.signal,
    });
  } catch (error) {
    return failFromError(error, Date.now() - started, ctx.signal);
  }
  if (response.status !== 200) return refused(response, config, started, ctx);
  const options = { maxBytes: config.maxBodyBytes, signal: ctx.signal, started };
  const answer = config.stream ? await readChatStream(response, options) : await readChatJson(response, options);
  return judgeAnswer(config, answer, ctx.redact);
};

function check(probe: ChatCompletionsProbe): ProbeProblem[] {
  if (probe.stream) return [];
  return (["maxTimeToFirstTokenMs", "minTokensPerSecond", "maxInterTokenGapMs"] as const)
    .filter((field) => probe.expect[field] !== undefined)
    .map((field) => [["expect", field], "needs stream: true (a whole answer has no tokens to time)"]);
}

export const chatCompletions: PulledKindSpec<typeof chatCompletionsProbeSchema> = {
  kind: "chat_completions",
  summary:
    "OpenAI-compatible `POST {baseUrl}/v1/chat/completions`, streamed: time to first token, tokens/s, longest gap; the stream must finish and its content satisfy `expect`.",
  schema: chatCompletionsProbeSchema,
  example: {
    kind: "chat_completions",
    model: "llama-3.1-8b-instruct",
    messages: [{ role: "user", content: "Say pong" }],
    expect: { contains: "pong", maxTimeToFirstTokenMs: 2000 },
  },
  run: probeChatCompletions,
  needs: () => ({ baseUrl: true }),
  check,
  speaksHttp: true,
};
