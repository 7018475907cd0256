import type { Dispatcher } from "./objects/dispatcher.ts";
import type { Plane } from "./objects/plane.ts";
import type { Prober } from "./objects/prober.ts";
import type { Summary } from "./objects/summary.ts";

/** Bindings and variables of the mesh Worker (see wrangler.toml and docs/deploy.md). */
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
  /** Bounds of the probe latency histogram in seconds, comma-separated (default 0.005 … 30). */
  LATENCY_BUCKETS?: string;
  /** Secret: when set, /metrics and /federate want `Authorization: Bearer <it>`. */
  METRICS_TOKEN?: string;
  /** Secret: when set, the JSON API (/api/v1, but for its documentation) wants `Authorization: Bearer <it>`. */
  API_READ_TOKEN?: string;
  /** Secret: admin actions (maintenance windows through the API) want `Authorization: Bearer <it>`; unset, they are refused (403). */
  ADMIN_TOKEN?: string;
  /** "true" makes the badges (/badges/…) public even when API_READ_TOKEN is set. */
  PUBLIC_BADGES?: string;
  /** Where alerts and errors go (a secret or a variable); unset, Sentry is off. */
  SENTRY_DSN?: string;
  /** The release events carry (default planewatch@<package version>). */
  SENTRY_RELEASE?: string;
  /** The environment events carry (default production). */
  SENTRY_ENVIRONMENT?: string;
  /** Most event streams (/api/v1/events) one isolate serves at once (default 100). */
  EVENTS_MAX_STREAMS?: string;
  /** Seconds an event stream lasts before the client is told to reconnect (default 180). */
  EVENTS_STREAM_SECONDS?: string;
  /** Minutes between reminders while a plane stays in an alerting status (default 30; 0: none). */
  ALERT_REMINDER_MINUTES?: string;
}
