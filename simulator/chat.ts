import type { Faults } from "./faults.ts";

/**
 * An OpenAI-compatible chat completions endpoint, as vLLM or SGLang serve it: the answer
 * streamed as `chat.completion.chunk` events, one token each, then the finish, the usage and
 * `data: [DONE]`; or whole with `stream: false`. The faults shape the stream: a slow first
 * token, a slow pace, a stall, a cut, an error event, wrong content. Tokens keep to an absolute
 * schedule from the request's arrival (first token at `firstTokenDelayMs`, then one every
 * 1/`tokensPerSecond` s), so what a client measures can be set against the truth.
 */

export interface ChatRequest {
  model: string;
  maxTokens: number;
  stream: boolean;
  includeUsage: boolean;
  jsonMode: boolean;
}

/** What the request asks, or why it is not a chat completion request. */
export function parseChatRequest(body: unknown): ChatRequest | string {
  if (body === null || typeof body !== "object") return "the body must be a JSON object";
  const b = body as Record<string, unknown>;
  if (typeof b.model !== "string" || b.model === "") return "model is required";
  if (!Array.isArray(b.messages) || b.messages.length === 0) return "messages is required";
  const maxTokens = b.max_tokens ?? 16;
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 4096) {
    return "max_tokens must be an integer from 1 to 4096";
  }
  const options = b.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: b.model,
    maxTokens,
    stream: b.stream === true,
    includeUsage: options?.include_usage === true,
    jsonMode: (b.response_format as { type?: unknown } | undefined)?.type === "json_object",
  };
}

const ANSWER = ["pong", ".", " The", " simulated", " plane", " is", " streaming", " tokens", " as", " asked", "."];
const JSON_ANSWER = ['{"', "status", '":', ' "', "ok", '"}'];
const WRONG_ANSWER = ["I", " cannot", " help", " with", " that", "."];

/** The answer's tokens: the health answer cycled to max_tokens (JSON mode: a fixed object), or a wrong one. */
export function answerTokens(request: ChatRequest, faults: Faults): string[] {
  if (faults.wrongBody) return WRONG_ANSWER.slice(0, request.maxTokens);
  if (request.jsonMode) return JSON_ANSWER;
  return Array.from({ length: request.maxTokens }, (_, i) => ANSWER[i % ANSWER.length]!);
}

const DEFAULT_TOKENS_PER_SECOND = 50;

const sleepUntil = (t0: number, atMs: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, t0 + atMs - Date.now())));

function chunk(request: ChatRequest, id: string, created: number, delta: object, finish: string | null, extra: object = {}): string {
  const body = {
    id,
    object: "chat.completion.chunk",
    created,
    model: request.model,
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...extra,
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

async function* events(request: ChatRequest, faults: Faults, t0: number): AsyncGenerator<string> {
  const id = `chatcmpl-${crypto.randomUUID()}`;
  const created = Math.floor(t0 / 1000);
  const tokens = answerTokens(request, faults);
  const half = Math.floor(tokens.length / 2);
  const firstMs = faults.firstTokenDelayMs ?? 0;
  const stepMs = 1000 / (faults.tokensPerSecond ?? DEFAULT_TOKENS_PER_SECOND);
  yield chunk(request, id, created, { role: "assistant", content: "" }, null);
  for (const [i, token] of tokens.entries()) {
    if (i === half && i > 0) {
      if (faults.cutStream) return;
      if (faults.streamError) {
        yield `event: error\ndata: ${JSON.stringify({ error: { message: "the simulated model failed mid-stream", type: "server_error" } })}\n\n`;
        return;
      }
    }
    const stall = faults.stallMs !== undefined && i >= half && half > 0 ? faults.stallMs : 0;
    await sleepUntil(t0, firstMs + i * stepMs + stall);
    yield chunk(request, id, created, { content: token }, null);
  }
  yield chunk(request, id, created, {}, "stop");
  if (request.includeUsage) {
    const usage = { prompt_tokens: 8, completion_tokens: tokens.length, total_tokens: 8 + tokens.length };
    yield `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: request.model, choices: [], usage })}\n\n`;
  }
  yield "data: [DONE]\n\n";
}

/** The answer to a chat completion request that passed the plane's gate; `t0` is when it arrived. */
export async function chatCompletion(request: ChatRequest, faults: Faults, t0: number): Promise<Response> {
  if (faults.retryAfterSeconds !== undefined) {
    return Response.json(
      { error: { message: "rate limit reached", type: "rate_limit_error" } },
      { status: 429, headers: { "retry-after": String(faults.retryAfterSeconds) } },
    );
  }
  if (!request.stream) {
    const tokens = answerTokens(request, faults);
    await sleepUntil(t0, (faults.firstTokenDelayMs ?? 0) + (faults.stallMs ?? 0));
    return Response.json({
      id: `chatcmpl-${crypto.randomUUID()}`,
      object: "chat.completion",
      created: Math.floor(t0 / 1000),
      model: request.model,
      choices: [{ index: 0, message: { role: "assistant", content: tokens.join("") }, finish_reason: "stop" }],
      usage: { prompt_tokens: 8, completion_tokens: tokens.length, total_tokens: 8 + tokens.length },
    });
  }
  const iterator = events(request, faults, t0);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await iterator.return(undefined);
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
}
