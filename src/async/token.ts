import { base64url, fromBase64url } from "../lib/encoding.ts";

/**
 * The `{token}` of a webhook URL `/webhooks/async/{plane}/{token}`: a random nonce naming one
 * async request, and an HMAC of plane and nonce under a key that only that plane's object
 * holds. A token issued for one plane is worthless on another, and a forged one is told apart
 * from a genuine one whose request is gone.
 */
export interface Ticket {
  nonce: string;
  token: string;
}

/** The token segment of webhook URLs, for scrubbing what the mesh logs and reports (not the route's own `:token`). */
export const WEBHOOK_TOKEN_PATH = /(\/webhooks\/async\/[^/\s?#"']+\/)(?!:)[^/\s?#"']+/g;

function signed(plane: string, nonce: string): Uint8Array {
  return new TextEncoder().encode(`${plane}:${nonce}`);
}

/** `key`: an HMAC-SHA256 key for sign and verify (see hmacKey). */
export async function issueTicket(key: CryptoKey, plane: string): Promise<Ticket> {
  const nonce = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const mac = await crypto.subtle.sign("HMAC", key, signed(plane, nonce));
  return { nonce, token: `${nonce}.${base64url(mac)}` };
}

/** The nonce of a genuine token of this plane, or null for a forged or malformed one. */
export async function verifyTicket(key: CryptoKey, plane: string, token: string): Promise<string | null> {
  const [nonce, mac, extra] = token.split(".");
  if (!nonce || !mac || extra !== undefined || nonce.length > 64) return null;
  const bytes = fromBase64url(mac);
  if (bytes?.length !== 32) return null;
  const ok = await crypto.subtle.verify("HMAC", key, bytes, signed(plane, nonce));
  return ok ? nonce : null;
}
