import { z } from "zod";
import { concatBytes } from "../../lib/encoding.ts";
import type { ReasonCode } from "../../status/reasons.ts";
import { fail } from "../outcome.ts";
import type { ProbeContext, ProbeOutcome } from "../types.ts";

/** Where a socket probe connects: `host` defaults to the host of the plane's baseUrl. */
export const socketTargetFields = {
  host: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/, "expected a host name or an IP address, without scheme or port")
    .optional()
    .describe("Host to connect to; defaults to the host of the plane's baseUrl."),
  port: z.number().int().min(1).max(65_535).describe("The port to connect to."),
};

/** `off`: plain TCP; `on`: TLS from the first byte; `starttls`: plain first, upgraded later (PostgreSQL's SSLRequest). */
export type SocketSecurity = "off" | "on" | "starttls";

/** A failure of the conversation itself, with the reason code the outcome will carry. */
export class SocketError extends Error {
  readonly reason: ReasonCode;
  constructor(reason: ReasonCode, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** What `Connection.read` asks of a parser: the value and how many bytes it used, or undefined for "need more". */
export type Parse<T> = (buffered: Uint8Array) => { value: T; consumed: number } | undefined;

/**
 * One socket under the probe's deadline. Every read is bounded in bytes and by the probe's
 * signal, so a server that accepts and stays silent, drips or floods cannot hold the probe.
 */
export interface Connection {
  write(bytes: Uint8Array): Promise<void>;
  /** Reads until `parse` finds a complete value in what has arrived. */
  read<T>(parse: Parse<T>): Promise<T>;
  /** Everything received and not yet consumed by a parser. */
  pending(): Uint8Array;
  /** Upgrades a `starttls` connection to TLS (the server has agreed to it). */
  startTls(): void;
}

/** Rejects with a timeout when the probe's signal aborts. */
function abortion(signal: AbortSignal): Promise<never> {
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new SocketError("timeout", "no answer within the timeout"));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  return aborted;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The host a socket probe connects to: its own, or the plane's. */
export function targetHost(host: string | undefined, baseUrl: string | undefined): string {
  if (host !== undefined) return host.replace(/^\[(.*)\]$/, "$1");
  if (baseUrl === undefined) throw new Error("no host: set the probe's host or the plane's baseUrl");
  return new URL(baseUrl).hostname.replace(/^\[(.*)\]$/, "$1");
}

/**
 * Opens a connection, hands it to `converse`, and always closes it. Whatever goes wrong
 * (refused, reset, silent past the deadline, too much data) becomes an outcome with a reason
 * code and the latency so far.
 */
export async function withConnection(
  ctx: ProbeContext,
  target: { host?: string; port: number },
  security: SocketSecurity,
  maxReplyBytes: number,
  converse: (connection: Connection, elapsed: () => number) => Promise<ProbeOutcome>,
): Promise<ProbeOutcome> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const aborted = abortion(ctx.signal);
  let socket: Socket | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  let buffered: Uint8Array = new Uint8Array(0);

  const release = () => {
    reader?.releaseLock();
    writer?.releaseLock();
    reader = undefined;
    writer = undefined;
  };
  const streams = () => {
    reader ??= socket!.readable.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    writer ??= socket!.writable.getWriter() as WritableStreamDefaultWriter<Uint8Array>;
    return { reader, writer };
  };

  const connection: Connection = {
    async write(bytes) {
      await Promise.race([streams().writer.write(bytes), aborted]);
    },
    async read(parse) {
      for (;;) {
        const parsed = parse(buffered);
        if (parsed) {
          buffered = buffered.subarray(parsed.consumed);
          return parsed.value;
        }
        if (buffered.byteLength > maxReplyBytes) {
          throw new SocketError("reply_too_large", `more than ${maxReplyBytes} bytes without a complete reply`);
        }
        const { done, value } = await Promise.race([streams().reader.read(), aborted]);
        if (done) throw new SocketError("connection_closed", "the server closed the connection before a complete reply");
        buffered = concatBytes([buffered, value]);
      }
    },
    pending: () => buffered,
    startTls() {
      release();
      socket = socket!.startTls({ expectedServerHostname: targetHost(target.host, ctx.baseUrl) });
    },
  };

  try {
    socket = ctx.connect(
      { hostname: targetHost(target.host, ctx.baseUrl), port: target.port },
      { secureTransport: security, allowHalfOpen: false },
    );
    await Promise.race([socket.opened, aborted]);
    return await converse(connection, elapsed);
  } catch (error) {
    if (error instanceof SocketError) return fail(error.reason, error.message, elapsed());
    if (ctx.signal.aborted) return fail("timeout", `no answer within the timeout (${elapsed()} ms)`, elapsed());
    return fail("connection_failed", errorMessage(error), elapsed());
  } finally {
    reader?.cancel().catch(() => {});
    writer?.abort().catch(() => {});
    socket?.close().catch(() => {});
  }
}

const TEXT = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return TEXT.encode(text);
}

/** A line of a line-based protocol (CRLF-terminated), without its terminator. */
export const crlfLine: Parse<string> = (buffered) => {
  for (let i = 0; i + 1 < buffered.byteLength; i++) {
    if (buffered[i] === 0x0d && buffered[i + 1] === 0x0a) {
      return { value: new TextDecoder().decode(buffered.subarray(0, i)), consumed: i + 2 };
    }
  }
  return undefined;
};
