import { hexToBytes, hmacKey } from "../lib/encoding.ts";

/** A rotation lists the new and the old signature; more than this many values is not a rotation. */
const MAX_SIGNATURES = 8;

/** Imported keys by secret: a plane has one secret (two during a rotation of the config). */
const keys = new Map<string, Promise<CryptoKey>>();
const MAX_KEYS = 64;

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= MAX_KEYS) keys.clear();
    key = hmacKey(secret);
    keys.set(secret, key);
  }
  return key;
}

/**
 * Checks `X-BASETEN-SIGNATURE: v1=<hex>[,v1=<hex>…]`: HMAC-SHA256 of the raw body with the
 * plane's webhook secret. During a rotation several values come and any one may match.
 * WebCrypto's verify compares in constant time.
 */
export async function verifySignature(rawBody: string, header: string | null | undefined, secret: string): Promise<boolean> {
  if (!header) return false;
  const candidates = header
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v.startsWith("v1="))
    .slice(0, MAX_SIGNATURES)
    .map((v) => hexToBytes(v.slice(3)))
    .filter((b): b is Uint8Array => b !== null && b.length === 32);
  if (candidates.length === 0) return false;
  const key = await keyFor(secret);
  const body = new TextEncoder().encode(rawBody);
  for (const candidate of candidates) {
    if (await crypto.subtle.verify("HMAC", key, candidate, body)) return true;
  }
  return false;
}
