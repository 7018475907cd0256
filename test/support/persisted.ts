/**
 * What a `wrangler dev` mesh persisted, read straight from its SQLite files with node:sqlite:
 * the local D1 database and each Durable Object's own database. The fault tests count rows
 * here rather than through the mesh, which may be dead or failing at the time. The files are
 * in WAL mode, so reading them beside a running workerd is safe; each read opens and closes.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";

/** Where miniflare keeps a namespace's objects: one `<id hash>.sqlite` each, beside its `metadata.sqlite`. */
function objectFiles(persistDir: string, namespace: string): string[] {
  const dir = join(persistDir, "v3", namespace);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite")
    .map((f) => join(dir, f));
}

/** The local D1 database of the mesh (its one DB binding). */
export function d1File(persistDir: string): string {
  const [file, ...others] = objectFiles(persistDir, join("d1", "miniflare-D1DatabaseObject"));
  if (file === undefined || others.length > 0) throw new Error(`expected one local D1 database in ${persistDir}`);
  return file;
}

function query<T>(file: string, sql: string, params: SQLInputValue[]): T[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** Rows of a query on the local D1 database. */
export function d1Query<T>(persistDir: string, sql: string, ...params: SQLInputValue[]): T[] {
  return query<T>(d1File(persistDir), sql, params);
}

/** Rows of a query on every object of a class of the mesh (whose table exists there), together. */
export function objectsQuery<T>(persistDir: string, className: string, table: string, sql: string, ...params: SQLInputValue[]): T[] {
  return objectFiles(persistDir, join("do", `planewatch-${className}`)).flatMap((file) => {
    const [exists] = query<{ n: number }>(file, "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?", [table]);
    return exists && exists.n > 0 ? query<T>(file, sql, params) : [];
  });
}

/** A result as the history keys it: D1's primary key. */
export const resultKey = (r: { plane: string; at: number; region: string; probe: string }) => `${r.plane}|${r.at}|${r.region}|${r.probe}`;

/** Keys of the results in D1. */
export function d1ResultKeys(persistDir: string): Set<string> {
  return new Set(
    d1Query<{ plane: string; at: number; region: string; probe: string }>(persistDir, "SELECT plane, at, region, probe FROM results").map(
      resultKey,
    ),
  );
}

/** Keys of the results waiting in the Plane objects' outboxes for D1. */
export function outboxResultKeys(persistDir: string): Set<string> {
  // Each row is a batch: its body a JSON array of results.
  const bodies = objectsQuery<{ body: string }>(persistDir, "Plane", "outbox", "SELECT body FROM outbox WHERE kind = 'result'");
  return new Set(
    bodies.flatMap((b) => (JSON.parse(b.body) as Array<{ plane: string; at: number; region: string; probe: string }>).map(resultKey)),
  );
}

export interface D1Lock {
  release(): void;
}

/**
 * Holds a write transaction on the local D1 database, as another process would: workerd's
 * SQLite answers SQLITE_BUSY to the mesh's writes, and to its reads too (each D1 query first
 * takes a session commit token, a write). D1 really fails, with no wrapper in the mesh.
 */
export async function lockD1(persistDir: string): Promise<D1Lock> {
  const db = new DatabaseSync(d1File(persistDir));
  for (let attempt = 0; ; attempt++) {
    try {
      db.exec("BEGIN IMMEDIATE");
      break;
    } catch (error) {
      // workerd is writing at this moment: take the lock once it is done.
      if (attempt >= 100) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    release() {
      db.exec("ROLLBACK");
      db.close();
    },
  };
}
