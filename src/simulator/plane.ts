import { DurableObject } from "cloudflare:workers";
import { initialFaults, type Faults } from "./faults.ts";
import type { SimulatorEnv } from "./worker.ts";

/** The state of one simulated plane: its faults, kept until changed. */
export class SimulatedPlane extends DurableObject<SimulatorEnv> {
  constructor(ctx: DurableObjectState, env: SimulatorEnv) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS faults (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL)");
  }

  async getFaults(plane: string): Promise<Faults> {
    const row = this.ctx.storage.sql.exec<{ body: string }>("SELECT body FROM faults").toArray()[0];
    return row ? (JSON.parse(row.body) as Faults) : (initialFaults(this.env.SIM_FAULTS)[plane] ?? {});
  }

  async setFaults(faults: Faults): Promise<void> {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO faults (id, body) VALUES (1, ?)", JSON.stringify(faults));
  }
}
