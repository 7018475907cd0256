import type { ActiveMaintenance, RuntimeWindow } from "../../status/maintenance.ts";

/**
 * What the Plane object notes beside the status (its table is made by step 3 of
 * ./schema.ts): the maintenance window set through the API, the window open at the last
 * evaluation (results and transitions are marked with it, and its end is noticed), recent
 * status changes with the flapping flag, and whether alerts were held.
 */
export interface Annotations {
  /** Set by PUT /api/v1/planes/{id}/maintenance, cleared by DELETE. */
  runtime: RuntimeWindow | null;
  /** The window the plane was in at the last evaluation. */
  open: ActiveMaintenance | null;
  /** Times of recent status changes (epoch ms), within the flapping window. */
  changes: number[];
  /** Since when the plane flaps; null while it does not. */
  flappingSince: number | null;
  /** Whether Sentry was told the plane flaps. */
  flappingAlerted: boolean;
  /** Why alerts were held at the last evaluation, if they were. */
  held: "maintenance" | "flapping" | null;
}

type AnnotationsRow = {
  runtime_window: string | null;
  open_window: string | null;
  changes: string;
  flapping_since: number | null;
  flapping_alerted: number;
  held: "maintenance" | "flapping" | null;
};

const NONE: Annotations = { runtime: null, open: null, changes: [], flappingSince: null, flappingAlerted: false, held: null };

export function readAnnotations(sql: SqlStorage): Annotations {
  const row = sql.exec<AnnotationsRow>("SELECT * FROM annotations WHERE id = 1").toArray()[0];
  if (!row) return NONE;
  return {
    runtime: row.runtime_window === null ? null : (JSON.parse(row.runtime_window) as RuntimeWindow),
    open: row.open_window === null ? null : (JSON.parse(row.open_window) as ActiveMaintenance),
    changes: JSON.parse(row.changes) as number[],
    flappingSince: row.flapping_since,
    flappingAlerted: row.flapping_alerted === 1,
    held: row.held,
  };
}

export function writeAnnotations(sql: SqlStorage, a: Annotations): void {
  sql.exec(
    `INSERT OR REPLACE INTO annotations (id, runtime_window, open_window, changes, flapping_since, flapping_alerted, held)
     VALUES (1, ?, ?, ?, ?, ?, ?)`,
    a.runtime && JSON.stringify(a.runtime),
    a.open && JSON.stringify(a.open),
    JSON.stringify(a.changes),
    a.flappingSince,
    a.flappingAlerted ? 1 : 0,
    a.held,
  );
}

/** Whether a result taken at `at` falls in the window open at the last evaluation: it is then left out of uptime. */
export function inOpenWindow(open: ActiveMaintenance | null, at: number): boolean {
  return open !== null && open.from <= at && at < open.until;
}
