/**
 * One HTTP/2 request over an open connection (h2c, RFC 9113 with prior knowledge): enough for a
 * gRPC call, whose status travels in trailers that Workers' fetch cannot read. One stream, a
 * small request body, a response bounded in bytes; flow control never comes into play because
 * the default 65,535-octet windows exceed what a probe sends or accepts.
 */
import { concatBytes } from "../../lib/encoding.ts";
import { encodeHeaders, HpackDecoder, HpackError, type Header } from "./hpack.ts";
import { SocketError, type Connection, type Parse } from "./socket.ts";

const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, CONTINUATION: 9 } as const;
const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;
/** SETTINGS_MAX_FRAME_SIZE's default: a peer sends no larger frame unless told otherwise. */
const MAX_FRAME_SIZE = 16_384;
const STREAM = 1;

/** HTTP/2 error codes (RFC 9113 section 7), for messages a person can read. */
const ERROR_CODES = [
  "NO_ERROR",
  "PROTOCOL_ERROR",
  "INTERNAL_ERROR",
  "FLOW_CONTROL_ERROR",
  "SETTINGS_TIMEOUT",
  "STREAM_CLOSED",
  "FRAME_SIZE_ERROR",
  "REFUSED_STREAM",
  "CANCEL",
  "COMPRESSION_ERROR",
  "CONNECT_ERROR",
  "ENHANCE_YOUR_CALM",
  "INADEQUATE_SECURITY",
  "HTTP_1_1_REQUIRED",
];

interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Uint8Array;
}

function frame(type: number, flags: number, stream: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(9 + payload.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.byteLength << 8); // 24-bit length, then the type byte overwritten below
  out[3] = type;
  out[4] = flags;
  view.setUint32(5, stream & 0x7fffffff);
  out.set(payload, 9);
  return out;
}

const readFrame: Parse<Frame> = (buffered) => {
  if (buffered.byteLength < 9) return undefined;
  const length = (buffered[0]! << 16) | (buffered[1]! << 8) | buffered[2]!;
  if (length > MAX_FRAME_SIZE) throw new SocketError("protocol_error", `HTTP/2 frame of ${length} octets exceeds the maximum`);
  if (buffered.byteLength < 9 + length) return undefined;
  const stream = new DataView(buffered.buffer, buffered.byteOffset).getUint32(5) & 0x7fffffff;
  return { value: { type: buffered[3]!, flags: buffered[4]!, stream, payload: buffered.slice(9, 9 + length) }, consumed: 9 + length };
};

/** The payload of a DATA or HEADERS frame without padding and priority fields. */
function fragment(f: Frame): Uint8Array {
  let start = 0;
  let end = f.payload.byteLength;
  if (f.flags & FLAG.PADDED) {
    end -= f.payload[0] ?? 0;
    start = 1;
  }
  if (f.type === FRAME.HEADERS && f.flags & FLAG.PRIORITY) start += 5;
  if (start > end) throw new SocketError("protocol_error", "HTTP/2 padding exceeds the frame");
  return f.payload.subarray(start, end);
}

function errorCode(payload: Uint8Array, at: number): string {
  const code = payload.byteLength >= at + 4 ? new DataView(payload.buffer, payload.byteOffset).getUint32(at) : -1;
  return ERROR_CODES[code] ?? `error ${code}`;
}

function decodeBlock(decoder: HpackDecoder, block: Uint8Array): Header[] {
  try {
    return decoder.decode(block);
  } catch (error) {
    if (error instanceof HpackError) throw new SocketError("protocol_error", `undecodable header block: ${error.message}`);
    throw error;
  }
}

export interface Http2Response {
  headers: Header[];
  body: Uint8Array;
  trailers: Header[];
}

/**
 * Sends one request (headers, then the body with END_STREAM) and reads until the stream ends.
 * Answers the server's SETTINGS and PINGs as the protocol requires. `maxBytes` bounds what the
 * whole exchange may bring in, frames of other kinds included.
 */
export async function http2Request(connection: Connection, request: Header[], body: Uint8Array, maxBytes: number): Promise<Http2Response> {
  await connection.write(PREFACE);
  await connection.write(frame(FRAME.SETTINGS, 0, 0));
  await connection.write(frame(FRAME.HEADERS, FLAG.END_HEADERS, STREAM, encodeHeaders(request)));
  await connection.write(frame(FRAME.DATA, FLAG.END_STREAM, STREAM, body));

  const decoder = new HpackDecoder();
  const blocks: Header[][] = [];
  const data: Uint8Array[] = [];
  let received = 0;
  let headerBlock: Uint8Array[] | undefined;
  let endAfterHeaders = false;
  for (;;) {
    const f = await connection.read(readFrame);
    received += 9 + f.payload.byteLength;
    if (received > maxBytes) throw new SocketError("reply_too_large", `more than ${maxBytes} bytes of HTTP/2 frames`);
    if (headerBlock && f.type !== FRAME.CONTINUATION) throw new SocketError("protocol_error", "header block interrupted");
    if (f.type === FRAME.SETTINGS && !(f.flags & FLAG.ACK)) await connection.write(frame(FRAME.SETTINGS, FLAG.ACK, 0));
    else if (f.type === FRAME.PING && !(f.flags & FLAG.ACK)) await connection.write(frame(FRAME.PING, FLAG.ACK, 0, f.payload));
    else if (f.type === FRAME.GOAWAY) {
      throw new SocketError("protocol_error", `the server went away (${errorCode(f.payload, 4)})`);
    } else if (f.stream !== STREAM) continue;
    else if (f.type === FRAME.RST_STREAM) {
      throw new SocketError("protocol_error", `the server reset the stream (${errorCode(f.payload, 0)})`);
    } else if (f.type === FRAME.HEADERS || f.type === FRAME.CONTINUATION) {
      if (f.type === FRAME.HEADERS) {
        headerBlock = [];
        endAfterHeaders = (f.flags & FLAG.END_STREAM) !== 0;
      }
      if (!headerBlock) throw new SocketError("protocol_error", "CONTINUATION without HEADERS");
      headerBlock.push(f.type === FRAME.HEADERS ? fragment(f) : f.payload);
      if (f.flags & FLAG.END_HEADERS) {
        blocks.push(decodeBlock(decoder, concatBytes(headerBlock)));
        headerBlock = undefined;
        if (endAfterHeaders) break;
      }
    } else if (f.type === FRAME.DATA) {
      data.push(fragment(f));
      if (f.flags & FLAG.END_STREAM) break;
    }
  }
  const [headers = [], ...rest] = blocks;
  // A trailers-only response is one block that ends the stream: its fields are the trailers too.
  return { headers, body: concatBytes(data), trailers: rest.at(-1) ?? (data.length === 0 ? headers : []) };
}
