/**
 * The Plane object's outbox (src/objects/plane/outbox.ts) on a real object's SQLite storage
 * (a Dispatcher's, given the Plane's tables), with a stand-in D1 that keeps what it is sent.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { migrate } from "../../src/objects/migrate.ts";
import { enqueue, FLUSH_BATCH, flushOutbox, OUTBOX_LIMIT } from "../../src/objects/plane/outbox.ts";
import { PLANE_SCHEMA } from "../../src/objects/plane/schema.ts";
import type { HistoryResult } from "../../src/storage/history.ts";
import type { Transition } from "../../src/status/model.ts";
import { rowsWrittenBy } from "../support/rows.ts";

/** Results as the outbox sees them: only their order matters here. */
const results = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ at: from + i }) as unknown as HistoryResult);
const transition = (at: number) => ({ plane: "p", at, from: "OK", to: "FAILED", failing: [], maintenance: null }) as Transition;

/** A D1 that keeps the entries of each batch it takes, in order, or refuses while `down`. */
function standInD1() {
  const batches: Array<{ results: number[]; transitions: number[] }> = [];
  const d1 = {
    down: false,
    batches,
    db: {
      prepare: (sql: string) => ({ bind: (json: string) => ({ sql, json }) }),
      batch: async (statements: Array<{ sql: string; json: string }>) => {
        if (d1.down) throw new Error("D1 unreachable");
        const ats = (table: string) =>
          statements
            .filter((s) => s.sql.includes(`INTO ${table}`))
            .flatMap((s) => (JSON.parse(s.json) as Array<{ at: number }>).map((e) => e.at));
        batches.push({ results: ats("results"), transitions: ats("transitions") });
      },
    } as unknown as D1Database,
  };
  return d1;
}

const newObject = () => env.DISPATCHER.get(env.DISPATCHER.newUniqueId());
const inOutbox = <T>(stub: DurableObjectStub, test: (sql: SqlStorage) => T | Promise<T>) =>
  runInDurableObject(stub, (_object, state) => {
    migrate(state.storage, PLANE_SCHEMA);
    return test(state.storage.sql);
  });
const rows = (sql: SqlStorage) => sql.exec<{ kind: string; count: number }>("SELECT kind, count FROM outbox ORDER BY id").toArray();
const dropped = (sql: SqlStorage) =>
  sql.exec<{ n: number | null }>("SELECT sum(value) AS n FROM counters WHERE name = 'planewatch_history_dropped_total'").one().n ?? 0;

describe("the outbox", () => {
  it("queues a call's entries as one row, and splits a call past a flush batch", async () => {
    const stub = newObject();
    await inOutbox(stub, () => undefined);
    expect(await rowsWrittenBy(stub, () => inOutbox(stub, (sql) => enqueue(sql, "result", results(0, 2))))).toBe(1);
    await inOutbox(stub, (sql) => {
      enqueue(sql, "transition", [transition(2)]);
      enqueue(sql, "result", results(3, 2 * FLUSH_BATCH + 1));
      expect(rows(sql)).toEqual([
        { kind: "result", count: 2 },
        { kind: "transition", count: 1 },
        { kind: "result", count: FLUSH_BATCH },
        { kind: "result", count: FLUSH_BATCH },
        { kind: "result", count: 1 },
      ]);
    });
  });

  it("sends at most a flush batch of entries to D1 at a time, in order, and deletes a row per batch sent", async () => {
    const stub = newObject();
    const d1 = standInD1();
    await inOutbox(stub, (sql) => {
      enqueue(sql, "result", results(0, 300));
      enqueue(sql, "transition", [transition(300)]);
      enqueue(sql, "result", results(301, 300));
    });
    const flush = () => inOutbox(stub, (sql) => flushOutbox(sql, d1.db, 1_000));
    // The first two rows fit in a batch; the third would pass it, and waits: come back at once.
    expect(await rowsWrittenBy(stub, async () => expect(await flush()).toBe(1_000))).toBe(2);
    expect(await flush()).toBe(Infinity);
    expect(await flush()).toBe(Infinity);
    expect(d1.batches.map((b) => [b.results.length, b.transitions])).toEqual([
      [300, [300]],
      [300, []],
    ]);
    expect(d1.batches.flatMap((b) => b.results)).toEqual([...results(0, 300), ...results(301, 300)].map((r) => r.at));
  });

  it("keeps every row while D1 refuses, and sends them once it takes them", async () => {
    const stub = newObject();
    const d1 = standInD1();
    d1.down = true;
    await inOutbox(stub, (sql) => {
      enqueue(sql, "result", results(0, 2));
      enqueue(sql, "transition", [transition(2)]);
    });
    expect(await inOutbox(stub, (sql) => flushOutbox(sql, d1.db, 1_000))).toBe(1_000 + 15_000);
    expect(await inOutbox(stub, rows)).toHaveLength(2);
    d1.down = false;
    expect(await inOutbox(stub, (sql) => flushOutbox(sql, d1.db, 1_000))).toBe(Infinity);
    expect(d1.batches).toEqual([{ results: [0, 1], transitions: [2] }]);
    expect(await inOutbox(stub, rows)).toEqual([]);
  });

  it("drops the oldest results past the limit, counting each, from whole batches and part of one; transitions never", async () => {
    const stub = newObject();
    await inOutbox(stub, (sql) => {
      enqueue(sql, "transition", [transition(-1)]);
      for (let at = 0; at < OUTBOX_LIMIT; at += FLUSH_BATCH) enqueue(sql, "result", results(at, FLUSH_BATCH));
      // One entry past the limit: the oldest result goes, from its batch.
      expect(dropped(sql)).toBe(1);
      enqueue(sql, "result", results(OUTBOX_LIMIT, FLUSH_BATCH + 100));
      // The rest of that batch (499), and 101 of the next.
      expect(dropped(sql)).toBe(1 + FLUSH_BATCH + 100);
      expect(sql.exec<{ n: number }>("SELECT sum(count) AS n FROM outbox").one().n).toBe(OUTBOX_LIMIT);
      const [first, second] = rows(sql);
      expect(first).toEqual({ kind: "transition", count: 1 });
      expect(second).toEqual({ kind: "result", count: FLUSH_BATCH - 101 });
    });
    const d1 = standInD1();
    while ((await inOutbox(stub, (sql) => flushOutbox(sql, d1.db, 0))) === 0);
    expect(d1.batches[0]!.transitions).toEqual([-1]);
    const sent = d1.batches.flatMap((b) => b.results);
    expect(sent).toHaveLength(OUTBOX_LIMIT - 1);
    expect(sent[0]).toBe(FLUSH_BATCH + 101);
    expect(sent.at(-1)).toBe(OUTBOX_LIMIT + FLUSH_BATCH + 99);
  });
});
