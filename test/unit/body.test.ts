import { describe, expect, it } from "vitest";
import { readBodyLimited, readBytesLimited } from "../../src/lib/body.ts";

const encoder = new TextEncoder();

/** A body of `chunks`, then (unless `end`) a stream that never ends: a target that drips. */
function streamOf(chunks: string[], end = true): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (end) controller.close();
    },
  });
}

const never = new AbortController().signal;

describe("a body read within a bound", () => {
  it("reads a body whose declared length is within the bound whole", async () => {
    const response = new Response("hello", { headers: { "content-length": "5" } });
    expect(await readBodyLimited(response, 5, never)).toMatchObject({ text: "hello", truncated: false });
  });

  it("stops at the bound when no length is declared, or one past the bound", async () => {
    for (const headers of [{}, { "content-length": "12" }] as Array<Record<string, string>>) {
      const response = new Response(streamOf(["hello ", "world!"]), { headers });
      expect(await readBodyLimited(response, 8, never)).toMatchObject({ text: "hello wo", truncated: true });
    }
  });

  it("does not take a compressed body's declared length for the length it is read at", async () => {
    // The runtime decompresses as it reads: a small declared length can be a large body.
    const response = new Response(streamOf(["a".repeat(64), "b".repeat(64)]), {
      headers: { "content-length": "10", "content-encoding": "gzip" },
    });
    const { bytes, truncated } = await readBytesLimited(response, 100, never);
    expect([bytes.byteLength, truncated]).toEqual([100, true]);
  });

  it("gives up on a body that drips, when the signal aborts, declared length or not", async () => {
    for (const headers of [{}, { "content-length": "1000" }] as Array<Record<string, string>>) {
      const response = new Response(streamOf(["slow"], false), { headers });
      await expect(readBytesLimited(response, 1000, AbortSignal.timeout(50))).rejects.toMatchObject({ name: "TimeoutError" });
    }
  });
});
