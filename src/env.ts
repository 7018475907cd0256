import type { Dispatcher } from "./objects/dispatcher.ts";
import type { Plane } from "./objects/plane.ts";
import type { Prober } from "./objects/prober.ts";
import type { Summary } from "./objects/summary.ts";

/** Bindings and variables of the mesh Worker (see wrangler.toml and README "Bindings"). */
export interface Env {
  /** One Prober object per (plane, region), created with the region as its location hint. */
  PROBER: DurableObjectNamespace<Prober>;
  /** One Plane object per plane: results, thresholds, quorum, status, outbox to D1. */
  PLANE: DurableObjectNamespace<Plane>;
  /** Shards holding every plane's latest snapshot, so a scrape reads a few objects, not every plane. */
  SUMMARY: DurableObjectNamespace<Summary>;
  /** Inner nodes of the cron fan-out tree. */
  DISPATCHER: DurableObjectNamespace<Dispatcher>;
  /** History: results and transitions. */
  DB: D1Database;
  /** JSON config replacing the bundled config/planes.json. */
  PLANES_CONFIG?: string;
  /** Most subrequests one invocation of the cron fan-out makes (default 50). */
  FANOUT_WIDTH?: string;
  /** Number of Summary shards (default 4). */
  SUMMARY_SHARDS?: string;
  /** Days raw results stay in D1 before only their rollups remain (default 7). */
  RESULTS_RETENTION_DAYS?: string;
  /** Days hourly rollups stay in D1 (default 35). */
  HOURLY_RETENTION_DAYS?: string;
  /** Days daily rollups stay in D1 (default 400). */
  DAILY_RETENTION_DAYS?: string;
  /** This mesh's public address: async webhooks are sent to {PUBLIC_URL}/webhooks/async/…. */
  PUBLIC_URL?: string;
}

/** Secrets are looked up by the name the config gives; only strings count as set. */
export function readSecret(env: Env, name: string): string | undefined {
  const value = (env as unknown as Record<string, unknown>)[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}
