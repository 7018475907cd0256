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
  recordSettled,
  settle,
  type PendingRow,
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
 * The Plane alarm's async step: polls the status of accepted requests that are due, then in one
 * transaction records what the polls saw and settles the requests now decided and those past
 * their deadline, their results written together. Says whether anything changed, and when it is
 * next due.
 */
export async function followAsync(storage: ObjectStorage, plane: PlaneConfig): Promise<{ asyncWake: number; changed: boolean }> {
  const { sql, env } = storage;
  const due = dueForPoll(sql, Date.now());
  const polls = await mapLimit(due, MAX_CONNECTIONS, async (row) => {
    const probe = asyncProbeOf(plane, row.probe);
    if (!probe || row.request_id === null) return null;
    const poll = await pollAsyncStatus(probe, probeContext(env, plane, probe, Date.now()), row.request_id);
    return { nonce: row.nonce, poll, nextPoll: Date.now() + probe.pollIntervalSeconds * 1000 };
  });
  const settledCount = storage.transaction(() => {
    const now = Date.now();
    const recording = storage.recording();
    const decided = (row: PendingRow | undefined) => (row ? [settle(sql, plane, row, now, recording)] : []);
    const settled = polls.flatMap((polled) => {
      if (polled.status !== "fulfilled" || polled.value === null) return [];
      const { nonce, poll, nextPoll } = polled.value;
      recordPoll(sql, nonce, poll, nextPoll);
      return decided(pendingRow(sql, nonce));
    });
    pruneTombstones(sql, now);
    settled.push(...pastDeadline(sql, now).flatMap(decided));
    const closed = settled.filter((s) => s !== null);
    recordSettled(sql, plane, closed, recording);
    return closed.length;
  });
  return { asyncWake: nextAsyncWake(sql), changed: due.length > 0 || settledCount > 0 };
}
