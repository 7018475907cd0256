import { env, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";

/**
 * How hard the fuzz suite tries: under `npm test` a fixed seed and a few runs per property, so
 * that a failure repeats; `npm run fuzz` sets FUZZ_RUNS (and FUZZ_SEED, to replay a failure it
 * printed) through the miniflare bindings in vitest.config.ts.
 */
const DEFAULT_RUNS = 60;
const DEFAULT_SEED = 13;

export function fuzzOptions(scale = 1): fc.Parameters<unknown> {
  const runs = Number(env.FUZZ_RUNS) || DEFAULT_RUNS;
  const seed = env.FUZZ_SEED === "" ? DEFAULT_SEED : Number(env.FUZZ_SEED);
  return { numRuns: Math.max(1, Math.round(runs * scale)), seed, endOnFailure: true };
}

/** Longer runs get more time: a property's timeout grows with FUZZ_RUNS. */
export function fuzzTimeout(msPerRun: number, scale = 1): number {
  return Math.max(30_000, (fuzzOptions(scale).numRuns ?? DEFAULT_RUNS) * msPerRun);
}

/** Any text, hostile characters made likelier: quotes, braces, backslashes, controls, lone surrogates. */
export const hostileText = (maxLength = 64) =>
  fc.oneof(
    fc.string({ maxLength, unit: "binary" }),
    fc.string({ maxLength, unit: fc.constantFrom(..."{}[]()\"'`\\=~!,|*+?.^$:%&#/\u0000\n\r\t\ud800\udfff é😀") }),
  );

/** What an error answer may be: a problem, small whatever the request. */
export async function expectBoundedProblem(res: Response, allowed: readonly number[]): Promise<void> {
  if (!allowed.includes(res.status)) throw new Error(`status ${res.status}, not one of ${allowed.join(", ")}: ${await res.text()}`);
  const text = await res.text();
  if (res.status >= 400) {
    if (res.headers.get("content-type") !== "application/problem+json") throw new Error(`${res.status} is not a problem: ${text}`);
    if (text.length > 64 * 1024) throw new Error(`a ${res.status} problem of ${text.length} characters`);
  }
}

/**
 * The rows of an object's tables (all of them unless named), as one text: equal before and
 * after a request means the request changed nothing there. Reads only that object, so that
 * other objects' alarms running meanwhile do not count.
 */
export function tableContents(stub: DurableObjectStub, tables?: readonly string[]): Promise<string> {
  return runInDurableObject(stub, (_object, state) => {
    const sql = state.storage.sql;
    const names =
      tables ??
      sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name",
        )
        .toArray()
        .map((t) => t.name);
    return JSON.stringify(names.map((name) => [name, sql.exec(`SELECT * FROM "${name}"`).toArray()]));
  });
}
