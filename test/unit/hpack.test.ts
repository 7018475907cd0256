/** The HPACK decoder against the examples of RFC 7541 Appendix C, and the encoder against the decoder. */
import { describe, expect, it } from "vitest";
import { encodeHeaders, HpackDecoder, HpackError, huffmanDecode } from "../../src/probes/wire/hpack.ts";

function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  return Uint8Array.from(digits.match(/../g)!, (pair) => parseInt(pair, 16));
}
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("Huffman strings", () => {
  it("decodes the RFC's examples (C.4)", () => {
    expect(text(huffmanDecode(hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff")))).toBe("www.example.com");
    expect(text(huffmanDecode(hex("a8eb 1064 9cbf")))).toBe("no-cache");
    expect(text(huffmanDecode(hex("25a8 49e9 5ba9 7d7f")))).toBe("custom-key");
    expect(text(huffmanDecode(hex("25a8 49e9 5bb8 e8b4 bf")))).toBe("custom-value");
  });

  it("refuses padding that is not a short run of ones, and EOS", () => {
    expect(() => huffmanDecode(hex("f1e3 c2e5 f23a 6ba0 ab90 f4fe"))).toThrow(HpackError);
    expect(() => huffmanDecode(hex("ffff ffff"))).toThrow(HpackError);
  });
});

describe("header blocks", () => {
  it("decodes the RFC's responses with Huffman and a 256-octet dynamic table, evictions included (C.6)", () => {
    const decoder = new HpackDecoder(256);
    expect(
      decoder.decode(
        hex(`4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
             2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`),
      ),
    ).toEqual([
      [":status", "302"],
      ["cache-control", "private"],
      ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
      ["location", "https://www.example.com"],
    ]);
    expect(decoder.decode(hex("4883 640e ff c1 c0 bf"))).toEqual([
      [":status", "307"],
      ["cache-control", "private"],
      ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
      ["location", "https://www.example.com"],
    ]);
    expect(
      decoder.decode(
        hex(`88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
             77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
             9587 3160 65c0 03ed 4ee5 b106 3d50 07`),
      ),
    ).toEqual([
      [":status", "200"],
      ["cache-control", "private"],
      ["date", "Mon, 21 Oct 2013 20:13:22 GMT"],
      ["location", "https://www.example.com"],
      ["content-encoding", "gzip"],
      ["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"],
    ]);
  });

  it("decodes literals never indexed and without indexing, and a table size update", () => {
    // C.2.3: never indexed, new name; then a size update to 0 and a literal without indexing of an indexed name.
    expect(new HpackDecoder().decode(hex("1008 7061 7373 776f 7264 0673 6563 7265 74 20 0404 2f73 6d70"))).toEqual([
      ["password", "secret"],
      [":path", "/smp"],
    ]);
  });

  it("refuses a reference to an entry that does not exist, and a truncated block", () => {
    expect(() => new HpackDecoder().decode(hex("be"))).toThrow(/no table entry 62/);
    expect(() => new HpackDecoder().decode(hex("400a 6375 7374"))).toThrow(/truncated/);
  });

  it("encodes literals any decoder reads back, long values included", () => {
    const headers: Array<[string, string]> = [
      [":method", "POST"],
      [":path", "/grpc.health.v1.Health/Check"],
      ["x-long", "v".repeat(300)],
    ];
    expect(new HpackDecoder().decode(encodeHeaders(headers))).toEqual(headers);
  });
});
