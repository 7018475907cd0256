/**
 * Reads at most `maxBytes` of a body before the signal aborts; a target that floods or drips
 * cannot hold the probe. Cancels the rest of the stream.
 */
export async function readBytesLimited(
  response: { body: ReadableStream<Uint8Array> | null },
  maxBytes: number,
  signal: AbortSignal,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(0), truncated: false };
  const reader = response.body.getReader();
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new DOMException("body read timed out", "TimeoutError"));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
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
  response: { body: ReadableStream<Uint8Array> | null },
  maxBytes: number,
  signal: AbortSignal,
): Promise<{ bytes: Uint8Array; text: string; truncated: boolean }> {
  const { bytes, truncated } = await readBytesLimited(response, maxBytes, signal);
  return { bytes, text: new TextDecoder().decode(bytes), truncated };
}
