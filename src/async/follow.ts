import type { PlaneConfig } from "../config/schema.ts";
import type { Env } from "../env.ts";
import { mapLimit, MAX_CONNECTIONS } from "../lib/concurrency.ts";
import { probeContext } from "../objects/probe_context.ts";
import {
  asyncProbeOf,
  dueForPoll,
  nextAsyncWake,
  pastDeadline,
  pendingRow,
  pruneTombstones,
  recordPoll,
  settle,
  type Recording,
} from "./pending.ts";
import { pollAsyncStatus } from "./poll.ts";

/** The Plane object's storage, as a flow kept in it sees it: SQL, atomic transactions, and how results are recorded. */
export interface ObjectStorage {
  sql: SqlStorage;
  env: Env;
  transaction<T>(run: () => T): T;
  recording(): Recording;
}

/**
 * The Plane alarm's async step: polls the status of accepted requests that are due, and
 * settles those past their deadline. Says whether anything changed, and when it is next due.
 */
export async function followAsync(storage: ObjectStorage, plane: PlaneConfig): Promise<{ asyncWake: number; changed: boolean }> {
  const { sql, env } = storage;
  const due = dueForPoll(sql, Date.now());
  await mapLimit(due, MAX_CONNECTIONS, async (row) => {
    const probe = asyncProbeOf(plane, row.probe);
    if (!probe || row.request_id === null) return;
    const poll = await pollAsyncStatus(probe, probeContext(env, plane, probe, Date.now()), row.request_id);
    storage.transaction(() => {
      recordPoll(sql, row.nonce, poll, Date.now() + probe.pollIntervalSeconds * 1000);
      const current = pendingRow(sql, row.nonce);
      if (current) settle(sql, plane, current, Date.now(), storage.recording());
    });
  });
  const expired = storage.transaction(() => {
    const now = Date.now();
    pruneTombstones(sql, now);
    const recording = storage.recording();
    return pastDeadline(sql, now).filter((row) => settle(sql, plane, row, now, recording));
  });
  return { asyncWake: nextAsyncWake(sql), changed: due.length > 0 || expired.length > 0 };
}
