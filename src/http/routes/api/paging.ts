import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { decodeBase64Url, encodeBase64Url } from "hono/utils/encode";

/**
 * Cursor pagination: a page asks for one row more than its limit; if that row comes, the next
 * page starts after the last row shown. The cursor is that row's sort key, opaque to clients;
 * the `next` URL also pins `from` and `to`, so a default range ("the last hour") does not move
 * between pages.
 */
export function encodeCursor(key: readonly unknown[]): string {
  return encodeBase64Url(new TextEncoder().encode(JSON.stringify(key)).buffer);
}

/** The key in a cursor this API gave out, or undefined for anything else. */
export function decodeCursor<T>(schema: z.ZodType<T>, cursor: string): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(new TextDecoder().decode(decodeBase64Url(cursor))));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export const BAD_CURSOR = { problems: [{ parameter: "cursor", message: "not a cursor this API gave out: take it from a `next` URL" }] };

/** The rows of this page, and the URL of the next one (null on the last page). */
export function pageOf<T>(c: Context, rows: T[], limit: number, range: { from: number; to: number }, keyOf: (row: T) => unknown[]) {
  const shown = rows.slice(0, limit);
  if (rows.length <= limit) return { rows: shown, next: null };
  const url = new URL(c.req.url);
  url.searchParams.set("from", String(range.from));
  url.searchParams.set("to", String(range.to));
  url.searchParams.set("cursor", encodeCursor(keyOf(shown.at(-1)!)));
  return { rows: shown, next: `${url.pathname}${url.search}` };
}

export const resultKeySchema = z.tuple([z.number(), z.string(), z.string()]).transform(([at, region, probe]) => ({ at, region, probe }));
export const transitionKeySchema = z.tuple([z.number(), z.number()]).transform(([at, id]) => ({ at, id }));
