import { runInDurableObject } from "cloudflare:test";
import { countRun, type HourFigures, type HourRollup, rollupOf } from "../../src/storage/hour_figures.ts";
import type { HistoryResult } from "../../src/storage/history.ts";

/**
 * The hourly rows Plane objects write of these results (src/storage/hour_figures.ts), each hour
 * whole: what a test seeds beside raw results, as D1 keeps only some of them raw.
 */
export function hoursOf(results: readonly HistoryResult[]): HourRollup[] {
  const series = new Map<string, HistoryResult[]>();
  for (const r of results) {
    const key = `${r.plane}\n${r.region}\n${r.probe}`;
    series.set(key, [...(series.get(key) ?? []), r]);
  }
  return [...series.values()].flatMap((runs) => {
    const { plane, region, probe } = runs[0]!;
    const hours: HourFigures[] = [];
    let open: HourFigures | null = null;
    for (const r of [...runs].sort((a, b) => a.at - b.at)) {
      const counted = countRun(open, { ...r, maintenance: r.maintenance === true });
      if (counted.closed) hours.push(counted.closed);
      open = counted.open;
    }
    return [...hours, open!].map((h) => rollupOf({ plane, region, probe }, h));
  });
}

/**
 * Has a Plane object send D1 everything it holds: its outbox, and the hours it is counting
 * (written every few minutes otherwise). Answers the plane's runs in D1's hourly rows.
 */
export async function flushHistory(db: D1Database, stub: DurableObjectStub, plane: string): Promise<number> {
  const outboxSize = () =>
    runInDurableObject(stub, (_o, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n);
  do {
    // The alarm's handler, run here and now: the runtime may be running a scheduled one of its own at this moment.
    await runInDurableObject(stub, async (instance, state) => {
      state.storage.sql.exec("UPDATE plane SET hours_written_at = 0 WHERE id = 1");
      await (instance as unknown as { alarm(): Promise<void> }).alarm();
    });
  } while ((await outboxSize()) > 0);
  const row = await db
    .prepare("SELECT coalesce(sum(runs + maintenance_runs), 0) AS n FROM results_hourly WHERE plane = ?")
    .bind(plane)
    .first<{ n: number }>();
  return row!.n;
}
