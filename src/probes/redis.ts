import { z } from "zod";
import { KUBERNETES_TIMING, latencyExpectSchema, probeFields, secretNameSchema } from "./common.ts";
import { credentialsMissing, excerpt, fail, pass } from "./outcome.ts";
import { crlfLine, socketTargetFields, utf8, withConnection } from "./wire/socket.ts";
import type { Prober, PulledKindSpec } from "./types.ts";

export const redisProbeSchema = z
  .object({
    kind: z.literal("redis"),
    ...probeFields(KUBERNETES_TIMING),
    expect: latencyExpectSchema,
    ...socketTargetFields,
    port: socketTargetFields.port.default(6379),
    username: z.string().min(1).optional().describe("ACL user (Redis 6+); without it AUTH uses the default user."),
    passwordSecret: secretNameSchema.optional().describe("Name of the Worker secret holding the password: AUTH before PING."),
    tls: z.boolean().default(false).describe("Connect with TLS (rediss)."),
  })
  .strict();
export type RedisProbe = z.infer<typeof redisProbeSchema>;

/** A status or error line is all AUTH and PING answer; anything longer is not Redis. */
const MAX_REPLY_BYTES = 4096;

/** A command as a RESP array of bulk strings: binary-safe, so a password may hold any character. */
export function respCommand(...args: string[]): Uint8Array {
  const parts = args.map((arg) => `$${utf8(arg).byteLength}\r\n${arg}\r\n`);
  return utf8(`*${args.length}\r\n${parts.join("")}`);
}

/** Replies that mean the server wants (other) credentials. */
const AUTH_ERRORS = /^(NOAUTH|WRONGPASS|ERR invalid password|ERR invalid username-password pair)/;

/** Classifies an error reply (`-…`): refused credentials read NO_USER, anything else fails with the server's words. */
function errorReply(line: string, latencyMs: number) {
  const message = line.slice(1);
  return fail(AUTH_ERRORS.test(message) ? "unauthorized" : "error_reply", message, latencyMs);
}

/**
 * What `redis-cli ping` checks: `PING` answers `+PONG`. With a password, `AUTH` goes first
 * (pipelined with the PING); an error reply (`-NOAUTH`, `-WRONGPASS`, `-LOADING`, …) is a failure
 * carrying the server's message.
 */
export const probeRedis: Prober<RedisProbe> = async (config, ctx) => {
  let password: string | undefined;
  if (config.passwordSecret !== undefined) {
    password = ctx.secret(config.passwordSecret);
    if (password === undefined) return credentialsMissing(config.passwordSecret);
  }
  return withConnection(ctx, config, config.tls ? "on" : "off", MAX_REPLY_BYTES, async (connection, elapsed) => {
    const auth =
      password === undefined
        ? []
        : [config.username === undefined ? respCommand("AUTH", password) : respCommand("AUTH", config.username, password)];
    for (const command of [...auth, respCommand("PING")]) await connection.write(command);
    if (auth.length > 0) {
      const reply = await connection.read(crlfLine);
      if (reply.startsWith("-")) return errorReply(reply, elapsed());
      if (reply !== "+OK") return fail("unexpected_reply", `AUTH answered ${excerpt(JSON.stringify(reply), ctx.redact)}`, elapsed());
    }
    const reply = await connection.read(crlfLine);
    if (reply === "+PONG") return pass(elapsed(), "PONG");
    if (reply.startsWith("-")) return errorReply(reply, elapsed());
    return fail("unexpected_reply", `PING answered ${excerpt(JSON.stringify(reply), ctx.redact)}, expected +PONG`, elapsed());
  });
};

export const redis: PulledKindSpec<typeof redisProbeSchema> = {
  kind: "redis",
  summary: "`PING` must answer `+PONG`, after `AUTH` when `passwordSecret` is set; optionally over TLS.",
  schema: redisProbeSchema,
  example: { kind: "redis", host: "cache.internal", passwordSecret: "REDIS_PASSWORD" },
  run: probeRedis,
  needs: () => ({ targetField: "host" }),
  speaksHttp: false,
};
