import { DurableObject } from "cloudflare:workers";
import { initialFaults, modelOutput, type Faults } from "./faults.ts";
import type { SimulatorEnv } from "./worker.ts";

/** What the simulated platform answers on `/async_request/{id}`. */
export interface AsyncRequestState {
  request_id: string;
  model_id: string;
  deployment_id: string;
  status: string;
  webhook_status: string;
  created_at: string;
  status_at: string;
  errors: Array<{ code: string; message: string }>;
}

type RequestRow = {
  id: string;
  input: string;
  webhook_endpoint: string;
  faults: string;
  created_at: number;
  status: string;
  status_at: number;
  webhook_status: string;
  attempts: number;
};

type Step = "start" | "complete" | "deliver";

const MODEL_ID = "sim-model";
const DEPLOYMENT_ID = "sim-deployment";
/** The platform retries a refused webhook once. */
const WEBHOOK_ATTEMPTS = 2;
const RETRY_DELAY_MS = 1_000;

async function sign(body: string, secret: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return `v1=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * One simulated plane: its faults, and its async requests moving QUEUED → IN_PROGRESS →
 * SUCCEEDED (or FAILED) on the object's alarm, with the signed webhook delivered the way the
 * platform does it (two attempts), unless a fault says otherwise.
 */
export class SimulatedPlane extends DurableObject<SimulatorEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: SimulatorEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS faults (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS requests (
        id TEXT PRIMARY KEY, input TEXT NOT NULL, webhook_endpoint TEXT NOT NULL, faults TEXT NOT NULL,
        created_at INTEGER NOT NULL, status TEXT NOT NULL, status_at INTEGER NOT NULL,
        webhook_status TEXT NOT NULL, attempts INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS steps (at INTEGER NOT NULL, request_id TEXT NOT NULL, step TEXT NOT NULL);
    `);
  }

  async getFaults(plane: string): Promise<Faults> {
    const row = this.sql.exec<{ body: string }>("SELECT body FROM faults").toArray()[0];
    return row ? (JSON.parse(row.body) as Faults) : (initialFaults(this.env.SIM_FAULTS)[plane] ?? {});
  }

  async setFaults(faults: Faults): Promise<void> {
    this.sql.exec("INSERT OR REPLACE INTO faults (id, body) VALUES (1, ?)", JSON.stringify(faults));
  }

  /** Accepts an async request; the faults in force now decide how it goes. */
  async submit(plane: string, input: unknown, webhookEndpoint: string): Promise<string> {
    const faults = await this.getFaults(plane);
    const id = crypto.randomUUID().replace(/-/g, "");
    const now = Date.now();
    this.sql.exec(
      "INSERT INTO requests VALUES (?, ?, ?, ?, ?, 'QUEUED', ?, 'PENDING', 0)",
      id,
      JSON.stringify(input),
      webhookEndpoint,
      JSON.stringify(faults),
      now,
      now,
    );
    if (!faults.stuckQueued) {
      const delay = faults.asyncDelayMs ?? 300;
      await this.schedule(id, "start", now + delay / 3);
      await this.schedule(id, "complete", now + delay);
    }
    return id;
  }

  async request(id: string): Promise<AsyncRequestState | undefined> {
    const row = this.sql.exec<RequestRow>("SELECT * FROM requests WHERE id = ?", id).toArray()[0];
    if (!row) return undefined;
    const faults = JSON.parse(row.faults) as Faults;
    return {
      request_id: row.id,
      model_id: MODEL_ID,
      deployment_id: DEPLOYMENT_ID,
      status: row.status,
      webhook_status: row.webhook_status,
      created_at: new Date(row.created_at).toISOString(),
      status_at: new Date(row.status_at).toISOString(),
      errors: row.status === "FAILED" && faults.asyncError ? [{ code: faults.asyncError, message: "simulated error" }] : [],
    };
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const due = this.sql
      .exec<{ request_id: string; step: Step }>("SELECT request_id, step FROM steps WHERE at <= ? ORDER BY at", now)
      .toArray();
    this.sql.exec("DELETE FROM steps WHERE at <= ?", now);
    for (const { request_id, step } of due) await this.run(request_id, step);
    const next = this.sql.exec<{ at: number | null }>("SELECT min(at) AS at FROM steps").one().at;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  private async schedule(id: string, step: Step, at: number): Promise<void> {
    this.sql.exec("INSERT INTO steps (at, request_id, step) VALUES (?, ?, ?)", at, id, step);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private setStatus(id: string, status: string): void {
    this.sql.exec("UPDATE requests SET status = ?, status_at = ? WHERE id = ?", status, Date.now(), id);
  }

  private async run(id: string, step: Step): Promise<void> {
    const row = this.sql.exec<RequestRow>("SELECT * FROM requests WHERE id = ?", id).toArray()[0];
    if (!row) return;
    const faults = JSON.parse(row.faults) as Faults;
    if (step === "start") return this.setStatus(id, "IN_PROGRESS");
    if (step === "complete") {
      this.setStatus(id, faults.asyncError ? "FAILED" : "SUCCEEDED");
      if (faults.webhook === "drop") {
        this.sql.exec("UPDATE requests SET webhook_status = 'SUCCEEDED' WHERE id = ?", id);
        return;
      }
      const at = faults.webhook === "late" ? row.created_at + (faults.lateMs ?? 70_000) : Date.now();
      await this.schedule(id, "deliver", at);
      if (faults.webhook === "twice") await this.schedule(id, "deliver", at + 200);
      return;
    }
    await this.deliver(row, faults);
  }

  /** POSTs the webhook as the platform does, and records whether it was taken. */
  private async deliver(row: RequestRow, faults: Faults): Promise<void> {
    const body = JSON.stringify({
      request_id: row.id,
      model_id: MODEL_ID,
      deployment_id: DEPLOYMENT_ID,
      type: "async_request_completed",
      time: new Date().toISOString(),
      data: faults.asyncError ? null : modelOutput(JSON.parse(row.input), faults),
      errors: faults.asyncError ? [{ code: faults.asyncError, message: "simulated error" }] : [],
    });
    const headers: Record<string, string> = { "content-type": "application/json", "x-baseten-request-id": row.id };
    const secret = faults.webhook === "bad_signature" ? "not-the-webhook-secret" : this.env.SIM_WEBHOOK_SECRET;
    if (secret) headers["x-baseten-signature"] = await sign(body, secret);
    let taken = false;
    try {
      const res = await fetch(row.webhook_endpoint, { method: "POST", headers, body, signal: AbortSignal.timeout(10_000) });
      await res.body?.cancel();
      taken = res.ok;
    } catch {
      taken = false;
    }
    const attempts = row.attempts + 1;
    const status = taken ? "SUCCEEDED" : attempts >= WEBHOOK_ATTEMPTS ? "FAILED" : row.webhook_status;
    this.sql.exec("UPDATE requests SET attempts = ?, webhook_status = ? WHERE id = ?", attempts, status, row.id);
    if (!taken && attempts < WEBHOOK_ATTEMPTS) await this.schedule(row.id, "deliver", Date.now() + RETRY_DELAY_MS);
  }
}
