/** What reading a streamed body found, times in milliseconds since the request started. */
export interface StreamRead {
  /** When the first byte of the body arrived; unset when none did. */
  firstByteMs?: number;
  /** When the reading ended: the end of the body, the budget, the consumer's stop or the deadline. */
  endMs: number;
  /** Bytes read, at most the budget. */
  size: number;
  /** The body went past the budget. */
  truncated: boolean;
  /** The signal aborted before the body ended. */
  timedOut: boolean;
  /** The connection ended in the middle of the body. */
  closed: boolean;
}

/**
 * Reads a body as it streams, within a byte budget and before the signal aborts, handing each
 * chunk to `onChunk` with the time it arrived; `onChunk` returns false when it has read enough.
 * A target that floods, drips or stalls cannot hold the probe. Cancels the rest of the stream.
 */
export async function readStream(
  response: { body: ReadableStream<Uint8Array> | null },
  options: { maxBytes: number; signal: AbortSignal; started: number },
  onChunk: (chunk: Uint8Array, atMs: number) => boolean,
): Promise<StreamRead> {
  const { maxBytes, signal, started } = options;
  const read: StreamRead = { endMs: 0, size: 0, truncated: false, timedOut: false, closed: false };
  if (!response.body) return { ...read, endMs: Date.now() - started };
  const reader = response.body.getReader();
  const aborted = new Promise<"aborted">((resolve) => {
    if (signal.aborted) resolve("aborted");
    else signal.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), aborted]).catch(() => "broken" as const);
      const atMs = Date.now() - started;
      if (next === "aborted" || next === "broken") {
        read.timedOut = signal.aborted;
        read.closed = !signal.aborted;
        read.endMs = atMs;
        return read;
      }
      read.endMs = atMs;
      if (next.done) return read;
      read.firstByteMs ??= atMs;
      const room = maxBytes - read.size;
      const chunk = next.value.byteLength > room ? next.value.subarray(0, room) : next.value;
      read.size += chunk.byteLength;
      if (chunk.byteLength > 0 && !onChunk(chunk, atMs)) return read;
      if (chunk !== next.value) {
        read.truncated = true;
        return read;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
