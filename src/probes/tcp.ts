import { z } from "zod";
import { HEX, hexToBytes } from "../lib/encoding.ts";
import { KUBERNETES_TIMING, maxLatencyMsSchema, probeFields } from "./common.ts";
import { excerpt, fail, pass } from "./outcome.ts";
import { re2PatternSchema, searchPattern } from "./wire/content.ts";
import { socketTargetFields, SocketError, utf8, withConnection, type Parse } from "./wire/socket.ts";
import type { Prober, PulledKindSpec } from "./types.ts";

const hexSchema = z.string().regex(HEX, "expected bytes as hex digits, two per byte (e.g. 0d0a)");

type ReplyPattern = { contains?: string; containsHex?: string; regex?: string };

function patternCount(expect: ReplyPattern): number {
  return [expect.contains, expect.containsHex, expect.regex].filter((v) => v !== undefined).length;
}

export const tcpProbeSchema = z
  .object({
    kind: z.literal("tcp"),
    ...probeFields(KUBERNETES_TIMING),
    ...socketTargetFields,
    tls: z.boolean().default(false).describe("Connect with TLS."),
    send: z.string().min(1).optional().describe("Text to send once connected (JSON escapes such as \\r\\n apply)."),
    sendHex: hexSchema.optional().describe("Bytes to send once connected, as hex; instead of send."),
    expect: z
      .object({
        contains: z.string().min(1).optional().describe("Text the reply must contain."),
        containsHex: hexSchema.optional().describe("Bytes the reply must contain, as hex."),
        regex: re2PatternSchema
          .optional()
          .describe("An RE2 regular expression that must match somewhere in the reply (read as UTF-8); linear time whatever the reply."),
        maxLatencyMs: maxLatencyMsSchema,
      })
      .strict()
      .refine((e) => patternCount(e) <= 1, "give at most one of contains, containsHex, regex")
      .default({})
      .describe("Without contains, containsHex or regex, a completed connection passes."),
    maxBytes: z
      .number()
      .int()
      .min(1)
      .max(1024 * 1024)
      .default(4096)
      .describe("Most bytes read while looking for expect."),
  })
  .strict()
  .refine((p) => p.send === undefined || p.sendHex === undefined, { path: ["sendHex"], message: "give send or sendHex, not both" });
export type TcpProbe = z.infer<typeof tcpProbeSchema>;

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.byteLength <= haystack.byteLength; i++) {
    for (let j = 0; j < needle.byteLength; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** A predicate over everything received so far, from the probe's `expect`; null when it asks for no reply. */
function matcher(expect: ReplyPattern): ((received: Uint8Array) => boolean) | null {
  if (patternCount(expect) === 0) return null;
  if (expect.regex !== undefined) {
    // A reply is the target's to choose: the pattern runs on RE2, in time linear in it.
    const compiled = searchPattern(expect.regex);
    if (!compiled.ok) throw new Error(`expect.regex was validated with the config: ${compiled.error}`);
    return (received) => compiled.matches(new TextDecoder().decode(received));
  }
  const needle = expect.containsHex !== undefined ? hexToBytes(expect.containsHex)! : utf8(expect.contains!);
  return (received) => indexOfBytes(received, needle) >= 0;
}

/**
 * Connects (optionally with TLS), sends the probe's bytes, and reads until the reply matches
 * `expect`, at most `maxBytes` and never past the deadline. A reply that does not match is
 * `unexpected_reply` with what arrived, whether the server went quiet, closed or flooded.
 */
export const probeTcp: Prober<TcpProbe> = async (config, ctx) => {
  return withConnection(ctx, config, config.tls ? "on" : "off", config.maxBytes, async (connection, elapsed) => {
    const payload = config.sendHex !== undefined ? hexToBytes(config.sendHex)! : config.send !== undefined ? utf8(config.send) : undefined;
    if (payload) await connection.write(payload);
    const matches = matcher(config.expect);
    if (!matches) return pass(elapsed(), "connected");
    const untilMatch: Parse<true> = (received) => (matches(received) ? { value: true, consumed: received.byteLength } : undefined);
    try {
      await connection.read(untilMatch);
      return pass(elapsed(), "reply matched");
    } catch (error) {
      const received = connection.pending();
      if (!(error instanceof SocketError) || received.byteLength === 0) throw error;
      return fail(
        "unexpected_reply",
        `${error.message}; received ${received.byteLength} bytes: ${excerpt(JSON.stringify(new TextDecoder().decode(received)), ctx.redact)}`,
        elapsed(),
      );
    }
  });
};

export const tcp: PulledKindSpec<typeof tcpProbeSchema> = {
  kind: "tcp",
  summary:
    "Connects to `host` (default: the host of `baseUrl`) and `port`, optionally with TLS, sends bytes and reads until the reply matches `expect`.",
  schema: tcpProbeSchema,
  example: { kind: "tcp", name: "ssh", port: 22, expect: { contains: "SSH-" } },
  run: probeTcp,
  needs: () => ({ targetField: "host" }),
  speaksHttp: false,
};
