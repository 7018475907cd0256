import { createParser } from "eventsource-parser";
import type { StreamFigures } from "../../status/model.ts";
import { readBodyLimited } from "../../lib/body.ts";
import { readStream } from "./stream.ts";

/**
 * OpenAI-compatible chat completions, as vLLM, SGLang, TGI and the platforms' bridges serve
 * them: a streamed answer (`stream: true`, Server-Sent Events of `chat.completion.chunk`
 * objects ending with `data: [DONE]`) or a whole one, read into what the probe judges.
 */
export interface ChatAnswer {
  /** The content deltas joined (or the whole message's content). */
  content: string;
  /** The finish_reason of the choice; null when none came. */
  finishReason: string | null;
  /** `data: [DONE]` came (always true for a whole answer). */
  done: boolean;
  /** What an error event (or an `error` object in a chunk) said; null when none came. */
  error: string | null;
  /** The body went past the byte budget. */
  truncated: boolean;
  /** The deadline came before the answer ended. */
  timedOut: boolean;
  /** When reading ended, in milliseconds since the request started. */
  totalMs: number;
  figures: StreamFigures;
}

interface Chunk {
  choices?: Array<{ delta?: { content?: unknown }; message?: { content?: unknown }; finish_reason?: unknown }>;
  usage?: { completion_tokens?: unknown } | null;
  error?: unknown;
}

function errorText(error: unknown): string {
  if (typeof error === "string") return error;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : JSON.stringify(error);
}

function completionTokens(chunk: Chunk): number | undefined {
  const tokens = chunk.usage?.completion_tokens;
  return typeof tokens === "number" && Number.isFinite(tokens) && tokens >= 0 ? tokens : undefined;
}

/**
 * Reads a streamed answer within the byte budget and before the signal aborts. Times count
 * from `started` (the request's start): time to first token is the first non-empty content
 * delta; tokens per second counts the tokens after the first chunk's over the time from the
 * first content chunk to the last (the generation phase, without the queue and prefill before
 * it); the longest gap is between two events after the first content chunk.
 */
export async function readChatStream(
  response: Response,
  options: { maxBytes: number; signal: AbortSignal; started: number },
): Promise<ChatAnswer> {
  const decoder = new TextDecoder();
  const answer: ChatAnswer = {
    content: "",
    finishReason: null,
    done: false,
    error: null,
    truncated: false,
    timedOut: false,
    totalMs: 0,
    figures: {},
  };
  let usageTokens: number | undefined;
  let contentChunks = 0;
  let firstContentMs: number | undefined;
  let lastContentMs = 0;
  let lastEventMs: number | undefined;
  let maxGapMs = 0;
  let chunkAtMs = 0;
  const parser = createParser({
    onEvent(event) {
      if (firstContentMs !== undefined && lastEventMs !== undefined) maxGapMs = Math.max(maxGapMs, chunkAtMs - lastEventMs);
      lastEventMs = chunkAtMs;
      if (event.event === "error") {
        answer.error ??= event.data || "error event";
        return;
      }
      if (event.data.trim() === "[DONE]") {
        answer.done = true;
        return;
      }
      let chunk: Chunk;
      try {
        chunk = JSON.parse(event.data) as Chunk;
      } catch {
        answer.error ??= "a stream event is not JSON";
        return;
      }
      if (chunk.error !== undefined && chunk.error !== null) answer.error ??= errorText(chunk.error);
      usageTokens = completionTokens(chunk) ?? usageTokens;
      const choice = chunk.choices?.[0];
      const content = choice?.delta?.content;
      if (typeof content === "string" && content !== "") {
        answer.content += content;
        contentChunks++;
        firstContentMs ??= chunkAtMs;
        lastContentMs = chunkAtMs;
      }
      if (typeof choice?.finish_reason === "string") answer.finishReason = choice.finish_reason;
    },
  });
  const read = await readStream(response, options, (bytes, atMs) => {
    chunkAtMs = atMs;
    parser.feed(decoder.decode(bytes, { stream: true }));
    // Nothing counts after [DONE]; an error ends the answer too.
    return !answer.done && answer.error === null;
  });
  answer.truncated = read.truncated;
  answer.timedOut = read.timedOut;
  answer.totalMs = read.endMs;
  const outputTokens = usageTokens ?? (contentChunks > 0 ? contentChunks : undefined);
  const generationMs = firstContentMs === undefined ? 0 : lastContentMs - firstContentMs;
  answer.figures = {
    ...(read.firstByteMs === undefined ? {} : { timeToFirstByteMs: read.firstByteMs }),
    ...(firstContentMs === undefined ? {} : { timeToFirstTokenMs: firstContentMs, maxInterTokenGapMs: maxGapMs }),
    ...(outputTokens === undefined ? {} : { outputTokens }),
    // The first chunk's tokens came at the start of the phase: count the others over it.
    ...(outputTokens !== undefined && contentChunks > 1 && generationMs > 0
      ? { tokensPerSecond: (outputTokens * (1 - 1 / contentChunks)) / (generationMs / 1000) }
      : {}),
  };
  return answer;
}

/** Reads a whole answer (`stream: false`) within the byte budget; a body that is not a chat completion has no content. */
export async function readChatJson(
  response: Response,
  options: { maxBytes: number; signal: AbortSignal; started: number },
): Promise<ChatAnswer> {
  const answer: ChatAnswer = {
    content: "",
    finishReason: null,
    done: true,
    error: null,
    truncated: false,
    timedOut: false,
    totalMs: 0,
    figures: {},
  };
  try {
    const { text, truncated } = await readBodyLimited(response, options.maxBytes, options.signal);
    answer.truncated = truncated;
    const body = JSON.parse(text) as Chunk;
    if (body.error !== undefined && body.error !== null) answer.error = errorText(body.error);
    const choice = body.choices?.[0];
    if (typeof choice?.message?.content === "string") answer.content = choice.message.content;
    if (typeof choice?.finish_reason === "string") answer.finishReason = choice.finish_reason;
    const outputTokens = completionTokens(body);
    if (outputTokens !== undefined) answer.figures = { outputTokens };
  } catch (error) {
    if (options.signal.aborted) answer.timedOut = true;
    else if (!answer.truncated) answer.error = error instanceof SyntaxError ? "the answer is not JSON" : String(error);
  }
  answer.totalMs = Date.now() - options.started;
  return answer;
}
