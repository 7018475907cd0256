/**
 * The billable units of the mesh, counted inside workerd from the runtime's own meters: every
 * Durable Object entry point called from outside the object (RPC method, alarm, fetch), the
 * wall-clock time each object is active, each SQL statement's cursor (`rowsRead`,
 * `rowsWritten`), each alarm set, each D1 result's `meta`, each subrequest and each Worker
 * invocation. Every object of a local Worker lives in one workerd isolate, so these
 * module-level counters see them all. Bench only (bench/metered.ts); never deployed.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** What one part of the mesh (the Worker, or one Durable Object class) used. */
export interface ScopeUnits {
  /** Invocations by entry point: RPC method, `alarm`, `fetch`, `scheduled`. */
  requests: Record<string, number>;
  /** Wall-clock time the objects were active: per object, the union of its invocations. */
  activeMs: number;
  /** Durable Object SQL. */
  sqlRowsRead: number;
  sqlRowsWritten: number;
  /** setAlarm calls: each is billed as one row written. */
  alarmsSet: number;
  d1Queries: number;
  d1RowsRead: number;
  d1RowsWritten: number;
  subrequests: number;
}

/** Units of one statement text (Durable Object SQL or D1), summed over its runs. */
export interface StatementUnits {
  runs: number;
  rowsRead: number;
  rowsWritten: number;
}

export interface MeterReading {
  scopes: Record<string, ScopeUnits>;
  /** By `<scope> sql|d1: <statement>`. */
  statements: Record<string, StatementUnits>;
}

export const emptyScope = (): ScopeUnits => ({
  requests: {},
  activeMs: 0,
  sqlRowsRead: 0,
  sqlRowsWritten: 0,
  alarmsSet: 0,
  d1Queries: 0,
  d1RowsRead: 0,
  d1RowsWritten: 0,
  subrequests: 0,
});

let reading: MeterReading = { scopes: {}, statements: {} };

function scope(name: string): ScopeUnits {
  reading.scopes[name] ??= emptyScope();
  return reading.scopes[name];
}

/** A statement's text as one line, its bound values aside (they are parameters). */
function statementKey(where: string, kind: "sql" | "d1", query: string): string {
  return `${where} ${kind}: ${query.replace(/\s+/g, " ").trim().slice(0, 160)}`;
}

function countStatement(key: string, rowsRead: number, rowsWritten: number): void {
  const s = (reading.statements[key] ??= { runs: 0, rowsRead: 0, rowsWritten: 0 });
  s.runs++;
  s.rowsRead += rowsRead;
  s.rowsWritten += rowsWritten;
}

/** The invocation the code runs in: which part of the mesh, and which object (internal calls are not requests). */
interface Invocation {
  scope: string;
  self: object;
}
const current = new AsyncLocalStorage<Invocation>();

/**
 * Cursors not yet read: a cursor's counts are final only once it is consumed, which the
 * object's code does before its invocation ends. Read when any invocation ends, and before
 * every reading.
 */
let pending: Array<{ key: string; where: string; cursor: SqlStorageCursor<Record<string, SqlStorageValue>> }> = [];

function readCursors(): void {
  for (const { key, where, cursor } of pending) {
    const s = scope(where);
    s.sqlRowsRead += cursor.rowsRead;
    s.sqlRowsWritten += cursor.rowsWritten;
    countStatement(key, cursor.rowsRead, cursor.rowsWritten);
  }
  pending = [];
}

/** The class each object's SQL and storage belong to (constructors run outside any invocation). */
const owners = new WeakMap<object, string>();
let storagePatched = false;

/** Wraps SqlStorage.exec and setAlarm, shared by every object of the isolate: once. */
function meterStorage(storage: DurableObjectStorage, className: string): void {
  owners.set(storage.sql, className);
  owners.set(storage, className);
  if (storagePatched) return;
  storagePatched = true;
  const sql = Object.getPrototypeOf(storage.sql) as SqlStorage;
  const exec = sql.exec;
  sql.exec = function (this: SqlStorage, query: string, ...bindings: unknown[]) {
    const cursor = exec.call(this, query, ...bindings);
    const where = owners.get(this) ?? "unknown";
    // The local runtime's own bookkeeping (an object's name), which Cloudflare does not run.
    if (!query.includes("__miniflare")) pending.push({ key: statementKey(where, "sql", query), where, cursor });
    return cursor;
  } as SqlStorage["exec"];
  const store = Object.getPrototypeOf(storage) as DurableObjectStorage;
  const setAlarm = store.setAlarm;
  store.setAlarm = function (this: DurableObjectStorage, ...args: Parameters<DurableObjectStorage["setAlarm"]>) {
    scope(owners.get(this) ?? "unknown").alarmsSet++;
    return setAlarm.apply(this, args);
  };
}

interface D1Answer {
  meta?: { rows_read?: number; rows_written?: number };
}
let d1Patched = false;

/**
 * Wraps the D1 session's one way to the database (`_send`: every prepare().run/all/first/raw,
 * batch and exec goes through it), reading each answer's `meta`; found from a D1 binding.
 */
function meterD1(db: D1Database): void {
  if (d1Patched) return;
  let proto = Object.getPrototypeOf((db as unknown as { alwaysPrimarySession: object }).alwaysPrimarySession) as object | null;
  while (proto && !Object.hasOwn(proto, "_send")) proto = Object.getPrototypeOf(proto) as object | null;
  if (!proto) throw new Error("meter: this runtime's D1 binding has no _send to meter");
  d1Patched = true;
  const session = proto as { _send: (endpoint: string, query: string | string[], ...rest: unknown[]) => Promise<D1Answer | D1Answer[]> };
  const send = session._send;
  session._send = async function (this: unknown, endpoint, query, ...rest) {
    const answer = await send.call(this, endpoint, query, ...rest);
    const where = current.getStore()?.scope ?? "unknown";
    const answers = Array.isArray(answer) ? answer : [answer];
    const queries = Array.isArray(query) ? query : [query];
    const s = scope(where);
    answers.forEach((a, i) => {
      const read = a.meta?.rows_read ?? 0;
      const written = a.meta?.rows_written ?? 0;
      s.d1Queries++;
      s.d1RowsRead += read;
      s.d1RowsWritten += written;
      countStatement(statementKey(where, "d1", queries[i] ?? ""), read, written);
    });
    return answer;
  };
}

/** The bindings of an env that are D1 databases (any number: history may be sharded over several). */
function meterEnv(env: object): void {
  for (const value of Object.values(env)) {
    if (value && typeof value === "object" && "alwaysPrimarySession" in value && "prepare" in value) meterD1(value as D1Database);
  }
}

/** Every fetch of the isolate (the Worker's and every object's) is a subrequest of its invocation. */
export function meterSubrequests(): void {
  const original = globalThis.fetch;
  globalThis.fetch = function (this: unknown, ...args: Parameters<typeof fetch>) {
    scope(current.getStore()?.scope ?? "unknown").subrequests++;
    return original.apply(this, args);
  } as typeof fetch;
}

/** Per object: invocations in flight, and since when it is active. */
const activity = new WeakMap<object, { inFlight: number; since: number }>();

/**
 * Runs one invocation of `self` (an object or the Worker) as `scope`, counting it as a request
 * of `entry` unless it is the object calling itself, and its active time.
 */
function invoke<T>(scopeName: string, entry: string, self: object, run: () => T): T {
  if (current.getStore()?.self === self) return run();
  const s = scope(scopeName);
  s.requests[entry] = (s.requests[entry] ?? 0) + 1;
  const a = activity.get(self) ?? { inFlight: 0, since: 0 };
  activity.set(self, a);
  // The clock of a Worker moves with I/O, not while code runs: a lower bound of the wall time.
  if (a.inFlight++ === 0) a.since = Date.now();
  const done = () => {
    if (--a.inFlight === 0) scope(scopeName).activeMs += Date.now() - a.since;
    readCursors();
  };
  try {
    const result = current.run({ scope: scopeName, self }, run);
    if (result instanceof Promise) return result.finally(done) as T;
    done();
    return result;
  } catch (error) {
    done();
    throw error;
  }
}

type ObjectClass = new (ctx: DurableObjectState, env: never) => object;

/** The functions of a class's prototype chain (RPC methods, handlers, private helpers), by name. */
function methodNames(prototype: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name !== "constructor" && typeof Object.getOwnPropertyDescriptor(p, name)?.value === "function") names.add(name);
    }
  }
  return [...names];
}

/**
 * A Durable Object class whose every entry point is metered: a subclass whose methods wrap the
 * class's own. A method the object calls on itself (a private helper) runs inside the
 * invocation that called it and is not counted.
 */
export function meteredObject<C extends ObjectClass>(className: string, Base: C): C {
  const Metered = class extends (Base as ObjectClass) {
    constructor(ctx: DurableObjectState, env: never) {
      meterStorage(ctx.storage, className);
      meterEnv(env as object);
      super(ctx, env);
    }
  };
  for (const name of methodNames(Base.prototype as object)) {
    const original = (Base.prototype as Record<string, (...args: unknown[]) => unknown>)[name]!;
    Object.defineProperty(Metered.prototype, name, {
      configurable: true,
      writable: true,
      value: {
        [name](this: object, ...args: unknown[]) {
          return invoke(className, name, this, () => original.apply(this, args));
        },
      }[name],
    });
  }
  return Metered as unknown as C;
}

/** The Worker's handler with its invocations metered, and GET /__meter (?reset=1 to start afresh) to read them. */
export function meteredHandler<E extends object>(
  handler: Required<Pick<ExportedHandler<E>, "fetch" | "scheduled">>,
): Required<Pick<ExportedHandler<E>, "fetch" | "scheduled">> {
  const worker = {};
  return {
    fetch(request, env, ctx) {
      const url = new URL(request.url);
      if (url.pathname === "/__meter") {
        readCursors();
        const answer = Response.json(reading);
        if (url.searchParams.has("reset")) reading = { scopes: {}, statements: {} };
        return answer;
      }
      meterEnv(env);
      return invoke("Worker", "fetch", worker, () => handler.fetch(request, env, ctx));
    },
    scheduled(controller, env, ctx) {
      meterEnv(env);
      return invoke("Worker", "scheduled", worker, () => handler.scheduled(controller, env, ctx));
    },
  };
}
