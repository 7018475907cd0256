/**
 * HPACK (RFC 7541), as much as a one-request HTTP/2 client needs: a complete decoder
 * (static and dynamic tables, Huffman strings, table size updates) for the server's header
 * blocks, and an encoder that writes plain literals, which every decoder must accept.
 * Hand-written because the npm HPACK libraries lean on Node's Buffer and streams, which a
 * Worker does not have without compatibility flags.
 */

export type Header = [name: string, value: string];

export class HpackError extends Error {}

/** Appendix A. Index 1 is the first entry; an entry without a value has "". */
const STATIC_TABLE: readonly Header[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/**
 * Appendix B, as code lengths in bits for symbols 0..255 and EOS (256). The code is
 * canonical (codes ascend with length, then symbol), so the lengths define it entirely.
 */
const HUFFMAN_CODE_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10,
  12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7,
  7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22,
  23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22,
  23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20,
  24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30,
];
const EOS = 256;
const MAX_CODE_LENGTH = 30;

/** Canonical decoding tables: per length, the first code, how many codes, and where their symbols start. */
const HUFFMAN = (() => {
  const symbols = HUFFMAN_CODE_LENGTHS.map((_, symbol) => symbol).sort(
    (a, b) => HUFFMAN_CODE_LENGTHS[a]! - HUFFMAN_CODE_LENGTHS[b]! || a - b,
  );
  const count = new Array<number>(MAX_CODE_LENGTH + 1).fill(0);
  for (const length of HUFFMAN_CODE_LENGTHS) count[length]!++;
  const firstCode = new Array<number>(MAX_CODE_LENGTH + 1).fill(0);
  const firstIndex = new Array<number>(MAX_CODE_LENGTH + 1).fill(0);
  let code = 0;
  let index = 0;
  for (let length = 1; length <= MAX_CODE_LENGTH; length++) {
    firstCode[length] = code;
    firstIndex[length] = index;
    code = (code + count[length]!) * 2;
    index += count[length]!;
  }
  return { symbols, count, firstCode, firstIndex };
})();

export function huffmanDecode(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let code = 0;
  let length = 0;
  let paddingOnes = true;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const b = (byte >> bit) & 1;
      code = code * 2 + b;
      length++;
      paddingOnes &&= b === 1;
      const offset = code - HUFFMAN.firstCode[length]!;
      if (offset >= 0 && offset < HUFFMAN.count[length]!) {
        const symbol = HUFFMAN.symbols[HUFFMAN.firstIndex[length]! + offset]!;
        if (symbol === EOS) throw new HpackError("Huffman string contains EOS");
        out.push(symbol);
        code = 0;
        length = 0;
        paddingOnes = true;
      } else if (length >= MAX_CODE_LENGTH) {
        throw new HpackError("invalid Huffman code");
      }
    }
  }
  // What is left must be a prefix of EOS (all ones) shorter than a byte.
  if (length > 7 || !paddingOnes) throw new HpackError("invalid Huffman padding");
  return Uint8Array.from(out);
}

/** Prefixed integers (5.1): the low `prefixBits` of the first byte, continued in 7-bit groups. */
function readInteger(block: Uint8Array, at: number, prefixBits: number): { value: number; next: number } {
  const max = (1 << prefixBits) - 1;
  let value = block[at]! & max;
  let next = at + 1;
  if (value < max) return { value, next };
  let shift = 0;
  for (;;) {
    if (next >= block.byteLength) throw new HpackError("truncated integer");
    const byte = block[next++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return { value, next };
    if (shift > 28) throw new HpackError("integer too large");
  }
}

function writeInteger(out: number[], value: number, prefixBits: number, flags: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(flags | value);
    return;
  }
  out.push(flags | max);
  let rest = value - max;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

const UTF8 = new TextDecoder();
const ENCODE = new TextEncoder();

function readString(block: Uint8Array, at: number): { value: string; next: number } {
  if (at >= block.byteLength) throw new HpackError("truncated string");
  const huffman = (block[at]! & 0x80) !== 0;
  const { value: length, next } = readInteger(block, at, 7);
  if (next + length > block.byteLength) throw new HpackError("truncated string");
  const raw = block.subarray(next, next + length);
  return { value: UTF8.decode(huffman ? huffmanDecode(raw) : raw), next: next + length };
}

/** Per RFC 7541 4.1: an entry's size is its name and value plus 32 octets of overhead. */
function entrySize([name, value]: Header): number {
  return ENCODE.encode(name).byteLength + ENCODE.encode(value).byteLength + 32;
}

/** SETTINGS_HEADER_TABLE_SIZE's default: the most a peer may use unless we advertise otherwise. */
export const DEFAULT_TABLE_SIZE = 4096;

/** Decodes header blocks of one connection, in order: the dynamic table carries over between blocks. */
export class HpackDecoder {
  private readonly dynamic: Header[] = [];
  private size = 0;
  private maxSize: number;
  private readonly limit: number;

  constructor(maxTableSize = DEFAULT_TABLE_SIZE) {
    this.maxSize = maxTableSize;
    this.limit = maxTableSize;
  }

  decode(block: Uint8Array): Header[] {
    const headers: Header[] = [];
    let at = 0;
    while (at < block.byteLength) {
      const first = block[at]!;
      if (first & 0x80) {
        // Indexed header field (6.1).
        const { value: index, next } = readInteger(block, at, 7);
        headers.push(this.entry(index));
        at = next;
      } else if ((first & 0xe0) === 0x20) {
        // Dynamic table size update (6.3).
        const { value: size, next } = readInteger(block, at, 5);
        if (size > this.limit) throw new HpackError(`table size ${size} exceeds ${this.limit}`);
        this.maxSize = size;
        this.evict(0);
        at = next;
      } else {
        // Literals (6.2): with incremental indexing (01), without (0000) or never indexed (0001).
        const indexing = (first & 0xc0) === 0x40;
        const { value: nameIndex, next } = readInteger(block, at, indexing ? 6 : 4);
        at = next;
        let name: string;
        if (nameIndex === 0) {
          const literal = readString(block, at);
          name = literal.value;
          at = literal.next;
        } else {
          name = this.entry(nameIndex)[0];
        }
        const value = readString(block, at);
        at = value.next;
        headers.push([name, value.value]);
        if (indexing) this.insert([name, value.value]);
      }
    }
    return headers;
  }

  private entry(index: number): Header {
    const entry = index <= STATIC_TABLE.length ? STATIC_TABLE[index - 1] : this.dynamic[index - STATIC_TABLE.length - 1];
    if (index === 0 || !entry) throw new HpackError(`no table entry ${index}`);
    return entry;
  }

  private insert(header: Header): void {
    const size = entrySize(header);
    this.evict(size);
    // An entry larger than the table empties it and is not stored (4.4).
    if (size <= this.maxSize) {
      this.dynamic.unshift(header);
      this.size += size;
    }
  }

  /** Evicts the oldest entries until `incoming` more octets fit. */
  private evict(incoming: number): void {
    while (this.dynamic.length > 0 && this.size + incoming > this.maxSize) this.size -= entrySize(this.dynamic.pop()!);
  }
}

/** Literal header fields without indexing, new name, no Huffman (6.2.2): valid for every decoder, no state. */
export function encodeHeaders(headers: readonly Header[]): Uint8Array {
  const out: number[] = [];
  for (const [name, value] of headers) {
    out.push(0x00);
    for (const text of [name, value]) {
      const bytes = ENCODE.encode(text);
      writeInteger(out, bytes.byteLength, 7, 0x00);
      out.push(...bytes);
    }
  }
  return Uint8Array.from(out);
}
