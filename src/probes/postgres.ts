import { z } from "zod";
import { KUBERNETES_TIMING, latencyExpectSchema, probeFields } from "./common.ts";
import { fail, pass } from "./outcome.ts";
import { socketTargetFields, SocketError, utf8, withConnection, type Parse } from "./wire/socket.ts";
import type { Prober, PulledKindSpec } from "./types.ts";

export const postgresProbeSchema = z
  .object({
    kind: z.literal("postgres"),
    ...probeFields(KUBERNETES_TIMING),
    expect: latencyExpectSchema,
    ...socketTargetFields,
    port: socketTargetFields.port.default(5432),
    user: z.string().min(1).max(63).default("planewatch").describe("Role named in the StartupMessage; no password is ever sent."),
    database: z.string().min(1).max(63).optional().describe("Database named in the StartupMessage; defaults to the user."),
    tls: z
      .enum(["disable", "prefer", "require"])
      .default("prefer")
      .describe("SSLRequest first: prefer uses TLS when the server offers it, require fails when it does not."),
  })
  .strict();
export type PostgresProbe = z.infer<typeof postgresProbeSchema>;

/** Enough for any first message a server sends before authentication. */
const MAX_REPLY_BYTES = 16 * 1024;
const PROTOCOL_3_0 = 196_608;
const SSL_REQUEST_CODE = 80_877_103;
/** SQLSTATE cannot_connect_now: starting up, shutting down, in recovery without hot standby. */
const CANNOT_CONNECT_NOW = "57P03";

function int32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, value);
  return bytes;
}

function message(body: Uint8Array[]): Uint8Array {
  const length = 4 + body.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(length);
  out.set(int32(length), 0);
  let offset = 4;
  for (const part of body) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

export function sslRequest(): Uint8Array {
  return message([int32(SSL_REQUEST_CODE)]);
}

export function startupMessage(user: string, database: string): Uint8Array {
  const params = ["user", user, "database", database, "application_name", "planewatch"].map((s) => `${s}\0`).join("");
  return message([int32(PROTOCOL_3_0), utf8(`${params}\0`)]);
}

/** A backend message: one type byte, an Int32 length that counts itself, the body. */
export const backendMessage: Parse<{ type: string; body: Uint8Array }> = (buffered) => {
  if (buffered.byteLength < 5) return undefined;
  const length = new DataView(buffered.buffer, buffered.byteOffset).getInt32(1);
  if (length < 4 || length > MAX_REPLY_BYTES) throw new SocketError("unexpected_reply", `not a PostgreSQL message (length ${length})`);
  if (buffered.byteLength < 1 + length) return undefined;
  return { value: { type: String.fromCharCode(buffered[0]!), body: buffered.subarray(5, 1 + length) }, consumed: 1 + length };
};

/** The fields of an ErrorResponse (S severity, C code, M message, …). */
export function errorFields(body: Uint8Array): Record<string, string> {
  const fields: Record<string, string> = {};
  const decoder = new TextDecoder();
  let i = 0;
  while (i < body.byteLength && body[i] !== 0) {
    const end = body.indexOf(0, i + 1);
    if (end < 0) break;
    fields[String.fromCharCode(body[i]!)] = decoder.decode(body.subarray(i + 1, end));
    i = end + 1;
  }
  return fields;
}

/** One byte answers an SSLRequest: S (go ahead with TLS) or N (plain only). */
const sslAnswer: Parse<string> = (buffered) =>
  buffered.byteLength < 1 ? undefined : { value: String.fromCharCode(buffered[0]!), consumed: 1 };

/**
 * What `pg_isready` reports, without a password: send a StartupMessage and classify the
 * server's first answer. An authentication request, or any error other than "cannot connect
 * now", means the server accepts connections; 57P03 (starting up, shutting down, recovering)
 * means it rejects them; silence or a closed socket means no response.
 */
export const probePostgres: Prober<PostgresProbe> = async (config, ctx) => {
  const security = config.tls === "disable" ? "off" : "starttls";
  return withConnection(ctx, config, security, MAX_REPLY_BYTES, async (connection, elapsed) => {
    if (config.tls !== "disable") {
      await connection.write(sslRequest());
      const answer = await connection.read(sslAnswer);
      if (answer === "S") connection.startTls();
      else if (answer !== "N") return fail("unexpected_reply", `SSLRequest answered ${JSON.stringify(answer)}`, elapsed());
      else if (config.tls === "require") return fail("tls_unavailable", "the server does not offer TLS (SSLRequest answered N)", elapsed());
    }
    await connection.write(startupMessage(config.user, config.database ?? config.user));
    const reply = await connection.read(backendMessage);
    if (reply.type === "R" || reply.type === "v") return pass(elapsed(), "accepting connections");
    if (reply.type !== "E") return fail("unexpected_reply", `first message of type ${JSON.stringify(reply.type)}`, elapsed());
    const fields = errorFields(reply.body);
    const said = `${fields.S ?? "ERROR"} ${fields.C ?? "?"}: ${fields.M ?? "(no message)"}`;
    if (fields.C === CANNOT_CONNECT_NOW) return fail("rejecting_connections", said, elapsed());
    return pass(elapsed(), `accepting connections (${said})`);
  });
};

export const postgres: PulledKindSpec<typeof postgresProbeSchema> = {
  kind: "postgres",
  summary: "What `pg_isready` reports, without a password: a StartupMessage, and `rejecting_connections` on SQLSTATE 57P03.",
  schema: postgresProbeSchema,
  example: { kind: "postgres", host: "db.internal", database: "app" },
  run: probePostgres,
  needs: () => ({ targetField: "host" }),
  speaksHttp: false,
};
