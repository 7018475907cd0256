/**
 * Sentry envelopes parsed by the spec (develop.sentry.dev/sdk/envelopes): a JSON header line,
 * then items, each a JSON header line and a payload of exactly `length` bytes when the header
 * gives one (then an optional newline), or else up to the next newline or the end. Works on
 * bytes, since `length` counts bytes, not characters.
 */

export interface EnvelopeItem {
  headers: { type: string; length?: number; [key: string]: unknown };
  /** The payload parsed as JSON when it is JSON, else its text. */
  payload: unknown;
}

export interface Envelope {
  headers: Record<string, unknown>;
  items: EnvelopeItem[];
}

const NEWLINE = 0x0a;
const decoder = new TextDecoder();

function lineEnd(bytes: Uint8Array, from: number): number {
  const end = bytes.indexOf(NEWLINE, from);
  return end === -1 ? bytes.length : end;
}

function jsonLine(bytes: Uint8Array, from: number, what: string): { value: Record<string, unknown>; next: number } {
  const end = lineEnd(bytes, from);
  const text = decoder.decode(bytes.subarray(from, end));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`envelope: ${what} at byte ${from} is not JSON: ${text.slice(0, 100)}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new Error(`envelope: ${what} at byte ${from} is not an object`);
  return { value: value as Record<string, unknown>, next: end + 1 };
}

function parsePayload(bytes: Uint8Array): unknown {
  const text = decoder.decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function parseEnvelope(bytes: Uint8Array): Envelope {
  const header = jsonLine(bytes, 0, "envelope header");
  const items: EnvelopeItem[] = [];
  let at = header.next;
  while (at < bytes.length) {
    // The optional newline that ends an envelope with no items.
    if (at === bytes.length - 1 && bytes[at] === NEWLINE) break;
    const itemHeader = jsonLine(bytes, at, "item header");
    if (typeof itemHeader.value.type !== "string") throw new Error(`envelope: item header at byte ${at} has no type`);
    at = itemHeader.next;
    const length = itemHeader.value.length;
    let payloadEnd: number;
    if (length === undefined) {
      payloadEnd = lineEnd(bytes, at);
    } else {
      if (typeof length !== "number" || !Number.isInteger(length) || length < 0)
        throw new Error(`envelope: item length ${String(length)} is not a byte count`);
      payloadEnd = at + length;
      if (payloadEnd > bytes.length) throw new Error(`envelope: item of ${length} bytes runs past the end`);
    }
    items.push({ headers: itemHeader.value as EnvelopeItem["headers"], payload: parsePayload(bytes.subarray(at, payloadEnd)) });
    at = payloadEnd;
    if (at < bytes.length) {
      if (bytes[at] !== NEWLINE) throw new Error(`envelope: no newline after the payload ending at byte ${at}`);
      at += 1;
    }
  }
  return { headers: header.value, items };
}

/** An envelope as the Sentry stand-in received it, and what it answered. */
export interface ReceivedEnvelope extends Envelope {
  project: string;
  /** The public key the SDK authenticated with (`sentry_key`, from the query or X-Sentry-Auth). */
  key: string | null;
  /** The request body as text: what a leak would be searched in. */
  raw: string;
  /** The status answered, or null while the stand-in hangs. */
  answer: number | null;
}

/** A Sentry event as received: its payload, the envelope's event id, and whether Sentry took it. */
export interface ReceivedEvent {
  event_id: string;
  message?: string;
  level?: string;
  fingerprint?: string[];
  tags?: Record<string, string>;
  contexts?: Record<string, Record<string, unknown>>;
  exception?: { values: Array<{ type: string; value: string }> };
  request?: { url?: string; headers?: Record<string, string>; query_string?: string; cookies?: unknown };
  release?: string;
  environment?: string;
  accepted: boolean;
}

export interface ReceivedCheckIn {
  check_in_id: string;
  monitor_slug: string;
  status: "in_progress" | "ok" | "error";
  duration?: number;
  release?: string;
  environment?: string;
  monitor_config?: { schedule: { type: string; value: string }; checkin_margin?: number; max_runtime?: number; timezone?: string };
}

function payloads(envelopes: readonly ReceivedEnvelope[], type: string): Array<{ envelope: ReceivedEnvelope; payload: unknown }> {
  return envelopes.flatMap((envelope) =>
    envelope.items.filter((i) => i.headers.type === type).map((i) => ({ envelope, payload: i.payload })),
  );
}

export function eventsIn(envelopes: readonly ReceivedEnvelope[]): ReceivedEvent[] {
  return payloads(envelopes, "event").map(({ envelope, payload }) => ({
    ...(payload as ReceivedEvent),
    accepted: envelope.answer === 200,
  }));
}

export function checkInsIn(envelopes: readonly ReceivedEnvelope[]): ReceivedCheckIn[] {
  return payloads(envelopes, "check_in").map(({ payload }) => payload as ReceivedCheckIn);
}
