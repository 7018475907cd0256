import { z } from "zod";
import { KUBERNETES_TIMING, latencyExpectSchema, probeFields } from "./common.ts";
import { exchange, isExchange } from "./wire/exchange.ts";
import { resolveUrl, urlOrPathSchema } from "./wire/expect.ts";
import type { Header } from "./wire/hpack.ts";
import { http2Request } from "./wire/http2.ts";
import { fail, pass } from "./outcome.ts";
import { socketTargetFields, targetHost, withConnection } from "./wire/socket.ts";
import { REQUEST_ID_HEADER, TRACEPARENT_HEADER } from "./wire/trace.ts";
import type { ProbeContext, ProbeOutcome, Prober, PulledKindSpec } from "./types.ts";

export const grpcHealthProbeSchema = z
  .object({
    kind: z.literal("grpc_health"),
    ...probeFields(KUBERNETES_TIMING),
    expect: latencyExpectSchema,
    service: z.string().max(200).default("").describe('The service to check; "" asks about the server as a whole.'),
    transport: z
      .enum(["grpc", "grpc-web"])
      .default("grpc")
      .describe("grpc: native gRPC, HTTP/2 without TLS (h2c) on host:port; grpc-web: over fetch, to url."),
    host: socketTargetFields.host,
    port: socketTargetFields.port.optional().describe("Required for transport grpc."),
    url: urlOrPathSchema.optional().describe("For transport grpc-web: where the gRPC services are served; default the plane's baseUrl."),
  })
  .strict()
  .superRefine((probe, ctx) => {
    if (probe.transport === "grpc") {
      if (probe.port === undefined) ctx.addIssue({ code: "custom", path: ["port"], message: "required for transport grpc" });
      if (probe.url !== undefined) ctx.addIssue({ code: "custom", path: ["url"], message: 'only for transport "grpc-web"' });
    } else {
      for (const field of ["host", "port"] as const) {
        if (probe[field] !== undefined) ctx.addIssue({ code: "custom", path: [field], message: 'only for transport "grpc"' });
      }
    }
  });
export type GrpcHealthProbe = z.infer<typeof grpcHealthProbeSchema>;

const CHECK_PATH = "/grpc.health.v1.Health/Check";
/** A HealthCheckResponse is a few bytes; anything near this is not one. */
const MAX_REPLY_BYTES = 64 * 1024;

/** grpc.health.v1.HealthCheckResponse.ServingStatus. */
const SERVING_STATUSES = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];
const SERVING = 1;

const GRPC_CODES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

// ---- protobuf: HealthCheckRequest { string service = 1; }, HealthCheckResponse { ServingStatus status = 1; }

function varint(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return out;
}

export function encodeCheckRequest(service: string): Uint8Array {
  const name = new TextEncoder().encode(service);
  // proto3 leaves a default (empty) string out.
  return name.byteLength === 0 ? new Uint8Array(0) : Uint8Array.from([0x0a, ...varint(name.byteLength), ...name]);
}

/** The `status` of a HealthCheckResponse (0, UNKNOWN, when absent); undefined when the bytes are not a message. */
export function decodeCheckResponse(message: Uint8Array): number | undefined {
  let status = 0;
  let at = 0;
  const readVarint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (at >= message.byteLength) return undefined;
      const byte = message[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    return undefined;
  };
  while (at < message.byteLength) {
    const key = readVarint();
    if (key === undefined) return undefined;
    const [field, wireType] = [Math.floor(key / 8), key % 8];
    if (wireType === 0) {
      const value = readVarint();
      if (value === undefined) return undefined;
      if (field === 1) status = value;
    } else if (wireType === 2) {
      const length = readVarint();
      if (length === undefined || at + length > message.byteLength) return undefined;
      at += length;
    } else if (wireType === 1 || wireType === 5) {
      at += wireType === 1 ? 8 : 4;
    } else {
      return undefined;
    }
  }
  return at === message.byteLength ? status : undefined;
}

// ---- gRPC framing: 1 flag byte (0x80 trailers in gRPC-Web, 0x01 compressed), 4-byte big-endian length, message

export function grpcFrame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.byteLength);
  new DataView(out.buffer).setUint32(1, message.byteLength);
  out.set(message, 5);
  return out;
}

interface GrpcFrame {
  flag: number;
  message: Uint8Array;
}

const TRAILERS_FLAG = 0x80;

export function grpcFrames(body: Uint8Array): GrpcFrame[] | undefined {
  const frames: GrpcFrame[] = [];
  let at = 0;
  while (at < body.byteLength) {
    if (at + 5 > body.byteLength) return undefined;
    const length = new DataView(body.buffer, body.byteOffset + at).getUint32(1);
    if (at + 5 + length > body.byteLength) return undefined;
    frames.push({ flag: body[at]!, message: body.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return frames;
}

/** gRPC-Web trailers: an HTTP/1-style block of `name: value` lines. */
function parseTrailerBlock(block: Uint8Array): Header[] {
  return new TextDecoder()
    .decode(block)
    .split("\r\n")
    .filter((line) => line.includes(":"))
    .map((line) => [line.slice(0, line.indexOf(":")).trim().toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]);
}

/** What a call came back with, whichever transport carried it. */
interface CallResult {
  httpStatus: number;
  /** The gRPC messages of the body, in order; undefined when the body is not gRPC framing. */
  frames: GrpcFrame[] | undefined;
  /** Response headers and trailers together: grpc-status may be in either (trailers-only responses). */
  fields: Header[];
}

function field(fields: Header[], name: string): string | undefined {
  return fields.findLast(([n]) => n === name)?.[1];
}

/** The verdict on a Check call: SERVING passes; any other status, gRPC error or malformed reply fails. */
export function judgeCall(service: string, call: CallResult, latencyMs: number): ProbeOutcome {
  const label = service === "" ? "the server" : `service ${JSON.stringify(service)}`;
  if (call.httpStatus !== 200) {
    return fail("unexpected_status", `HTTP status ${call.httpStatus}, expected 200`, latencyMs, call.httpStatus);
  }
  const grpcStatus = field(call.fields, "grpc-status");
  if (grpcStatus === undefined) return fail("unexpected_reply", "no grpc-status in the reply", latencyMs, call.httpStatus);
  if (grpcStatus !== "0") {
    let detail = field(call.fields, "grpc-message") ?? "";
    try {
      detail = decodeURIComponent(detail);
    } catch {
      // keep it percent-encoded
    }
    const name = GRPC_CODES[Number(grpcStatus)] ?? "?";
    return fail("grpc_error", `grpc-status ${grpcStatus} ${name}${detail ? `: ${detail}` : ""}`, latencyMs, call.httpStatus);
  }
  const data = call.frames?.filter((f) => (f.flag & TRAILERS_FLAG) === 0);
  if (data?.length !== 1 || data[0]!.flag !== 0) {
    return fail("unexpected_reply", "expected one uncompressed HealthCheckResponse", latencyMs, call.httpStatus);
  }
  const status = decodeCheckResponse(data[0]!.message);
  if (status === undefined) return fail("unexpected_reply", "not a HealthCheckResponse", latencyMs, call.httpStatus);
  const statusName = SERVING_STATUSES[status] ?? `status ${status}`;
  if (status !== SERVING) return fail("not_serving", `${label} is ${statusName}`, latencyMs, call.httpStatus);
  return pass(latencyMs, `${label} is SERVING`, call.httpStatus);
}

/** The gRPC deadline the server should honour: what is left of the probe's, in milliseconds. */
function grpcTimeout(ctx: ProbeContext): string {
  return `${Math.max(1, Math.floor(ctx.deadline - Date.now()))}m`;
}

async function checkOverGrpcWeb(config: GrpcHealthProbe, ctx: ProbeContext): Promise<ProbeOutcome> {
  const url = resolveUrl(ctx.baseUrl, config.url ?? "/").replace(/\/+$/, "") + CHECK_PATH;
  const headers = {
    "content-type": "application/grpc-web+proto",
    accept: "application/grpc-web+proto",
    "x-grpc-web": "1",
    "grpc-timeout": grpcTimeout(ctx),
  };
  const ex = await exchange(ctx, url, { method: "POST", headers, body: grpcFrame(encodeCheckRequest(config.service)) }, MAX_REPLY_BYTES);
  if (!isExchange(ex)) return ex;
  if (ex.truncated) return fail("reply_too_large", `more than ${MAX_REPLY_BYTES} bytes`, ex.latencyMs, ex.status);
  const frames = grpcFrames(ex.bytes);
  const trailers = (frames ?? []).filter((f) => f.flag & TRAILERS_FLAG).flatMap((f) => parseTrailerBlock(f.message));
  const fields: Header[] = [...ex.headers.entries(), ...trailers];
  return judgeCall(config.service, { httpStatus: ex.status, frames, fields }, ex.latencyMs);
}

async function checkOverGrpc(config: GrpcHealthProbe, ctx: ProbeContext): Promise<ProbeOutcome> {
  const port = config.port!;
  return withConnection(ctx, { host: config.host, port }, "off", MAX_REPLY_BYTES, async (connection, elapsed) => {
    const request: Header[] = [
      [":method", "POST"],
      [":scheme", "http"],
      [":path", CHECK_PATH],
      [":authority", `${targetHost(config.host, ctx.baseUrl)}:${port}`],
      ["content-type", "application/grpc+proto"],
      ["te", "trailers"],
      ["grpc-timeout", grpcTimeout(ctx)],
      ["user-agent", "planewatch"],
      [TRACEPARENT_HEADER, ctx.trace.traceparent],
      [REQUEST_ID_HEADER, ctx.trace.requestId],
    ];
    const response = await http2Request(connection, request, grpcFrame(encodeCheckRequest(config.service)), MAX_REPLY_BYTES);
    const httpStatus = Number(field(response.headers, ":status") ?? 0);
    const fields = [...response.headers, ...response.trailers];
    return judgeCall(config.service, { httpStatus, frames: grpcFrames(response.body), fields }, elapsed());
  });
}

/**
 * `grpc.health.v1.Health/Check` for a service; only SERVING passes. Native gRPC runs HTTP/2 on
 * a socket (Workers' fetch cannot read trailers, where gRPC puts its status); gRPC-Web runs on
 * fetch, with the trailers in the body.
 */
export const probeGrpcHealth: Prober<GrpcHealthProbe> = (config, ctx) =>
  config.transport === "grpc-web" ? checkOverGrpcWeb(config, ctx) : checkOverGrpc(config, ctx);

export const grpcHealth: PulledKindSpec<typeof grpcHealthProbeSchema> = {
  kind: "grpc_health",
  summary: "`grpc.health.v1.Health/Check` for `service`; only SERVING passes. Native gRPC (h2c) on `host`/`port`, or gRPC-Web to `url`.",
  schema: grpcHealthProbeSchema,
  example: { kind: "grpc_health", host: "grpc.internal", port: 50051 },
  run: probeGrpcHealth,
  // Native gRPC connects to a host; gRPC-Web fetches a URL.
  needs: (probe) => ({ targetField: probe.transport === "grpc" ? "host" : "url", urlFields: ["url"] }),
  speaksHttp: false,
};
