import { DurableObject } from "cloudflare:workers";
import { findPlane } from "../config/load.ts";
import type { Env } from "../env.ts";
import { upsertSql } from "../lib/sql.ts";
import { viewChangesAt, viewOf, type RenderedPlane } from "../render/view.ts";
import { renderPlane } from "../render/metrics.ts";
import type { PlaneSnapshot } from "../status/snapshot.ts";
import { migrate } from "./migrate.ts";
import { SUMMARY_SCHEMA } from "./summary/schema.ts";

/**
 * One shard of the mesh-wide view: the latest snapshot of each plane hashed to it. A scrape or
 * a status listing reads every shard once instead of every Plane object.
 */
export class Summary extends DurableObject<Env> {
  private snapshots: Map<string, PlaneSnapshot> | undefined;
  /** Each plane's exposition lines, rendered when its snapshot arrives and again when they go stale with time. */
  private rendered = new Map<string, RenderedPlane & { staleAt: number }>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage, SUMMARY_SCHEMA);
  }

  private loaded(): Map<string, PlaneSnapshot> {
    if (!this.snapshots) {
      this.snapshots = new Map();
      for (const row of this.ctx.storage.sql.exec<{ body: string }>("SELECT body FROM snapshots")) {
        const snapshot = JSON.parse(row.body) as PlaneSnapshot;
        this.snapshots.set(snapshot.plane, snapshot);
      }
    }
    return this.snapshots;
  }

  /** Stores a snapshot unless a newer one of the same plane is already here. */
  async put(snapshot: PlaneSnapshot): Promise<void> {
    const snapshots = this.loaded();
    const current = snapshots.get(snapshot.plane);
    if (current && current.version >= snapshot.version) return;
    this.ctx.storage.sql.exec(
      upsertSql("snapshots", ["plane"], ["version", "body"]),
      snapshot.plane,
      snapshot.version,
      JSON.stringify(snapshot),
    );
    snapshots.set(snapshot.plane, snapshot);
    this.rendering(snapshot, Date.now());
  }

  /** For readiness: answers if the object can be reached and its storage read. */
  async ping(): Promise<number> {
    return this.loaded().size;
  }

  async list(): Promise<PlaneSnapshot[]> {
    return [...this.loaded().values()];
  }

  /** The exposition lines of every configured plane here, as of `now`. */
  async exposition(now: number): Promise<RenderedPlane[]> {
    return [...this.loaded().values()].flatMap((snapshot) => {
      const rendered = this.rendering(snapshot, now);
      return rendered ? [{ plane: rendered.plane, version: rendered.version, lines: rendered.lines }] : [];
    });
  }

  private rendering(snapshot: PlaneSnapshot, now: number): (RenderedPlane & { staleAt: number }) | undefined {
    const plane = findPlane(this.env, snapshot.plane);
    if (!plane) return undefined;
    let rendered = this.rendered.get(plane.id);
    if (!rendered || rendered.version !== snapshot.version || now >= rendered.staleAt) {
      rendered = {
        plane: plane.id,
        version: snapshot.version,
        staleAt: viewChangesAt(plane, snapshot, now),
        lines: renderPlane(viewOf(plane, snapshot, now)),
      };
      this.rendered.set(plane.id, rendered);
    }
    return rendered;
  }
}
