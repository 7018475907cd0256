/** A request or response: its body, and the headers that say how long it is. */
type Message = Pick<Response, "body" | "headers" | "arrayBuffer">;

/**
 * Whether the message says its body is at most `maxBytes` as it will be read: a Content-Length
 * within the bound, and no Content-Encoding (the runtime decompresses a body as it reads it,
 * so a small compressed body may be a large one).
 */
function declaredWithin(message: Message, maxBytes: number): boolean {
  const length = message.headers.get("content-length");
  const encoding = message.headers.get("content-encoding");
  return length !== null && Number(length) <= maxBytes && (encoding === null || encoding === "identity");
}

/**
 * Reads at most `maxBytes` of a body before the signal aborts; a target that floods or drips
 * cannot hold the probe. Cancels the rest of the stream. A body declared within the bound is
 * read in one call (HTTP's framing holds it to its length), without a read per chunk.
 */
export async function readBytesLimited(
  message: Message,
  maxBytes: number,
  signal: AbortSignal,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!message.body) return { bytes: new Uint8Array(0), truncated: false };
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new DOMException("body read timed out", "TimeoutError"));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  if (declaredWithin(message, maxBytes)) {
    const whole = new Uint8Array(await Promise.race([message.arrayBuffer(), aborted]));
    return { bytes: whole.subarray(0, maxBytes), truncated: whole.byteLength > maxBytes };
  }
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size > maxBytes) {
        truncated = true;
        break;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(Math.min(size, maxBytes));
  let offset = 0;
  for (const chunk of chunks) {
    const take = Math.min(chunk.byteLength, bytes.byteLength - offset);
    bytes.set(chunk.subarray(0, take), offset);
    offset += take;
    if (offset === bytes.byteLength) break;
  }
  return { bytes, truncated };
}

/** The same, with the bytes also decoded as UTF-8 text. */
export async function readBodyLimited(
  message: Message,
  maxBytes: number,
  signal: AbortSignal,
): Promise<{ bytes: Uint8Array; text: string; truncated: boolean }> {
  const { bytes, truncated } = await readBytesLimited(message, maxBytes, signal);
  return { bytes, text: new TextDecoder().decode(bytes), truncated };
}
