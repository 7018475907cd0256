import type { Config } from "../config/schema.ts";
import type { Env } from "../env.ts";
import { allSummaryStubs } from "../objects/stubs.ts";
import { renderPlane } from "../render/metrics.ts";
import { mergeSnapshots, newestByPlane, viewOf, type PlaneView } from "../render/view.ts";
import { emptySnapshot } from "../status/snapshot.ts";

/** What the routes read of the mesh's state: the Summary shards, each read once per request, whatever the number of planes. */

/** Every configured plane from the Summary shards: one read per shard, whatever the number of planes. */
export async function collectPlanes(env: Env, config: Config, now: number): Promise<PlaneView[]> {
  return mergeSnapshots(config, await Promise.all(allSummaryStubs(env).map((s) => s.list())), now);
}

/** Every configured plane's exposition lines, in config order, as collectPlanes reads the shards. */
export async function collectRendered(env: Env, config: Config, now: number): Promise<string[][]> {
  const newest = newestByPlane(await Promise.all(allSummaryStubs(env).map((s) => s.exposition(now))));
  return config.planes.map((plane) => newest.get(plane.id)?.lines ?? renderPlane(viewOf(plane, emptySnapshot(plane.id), now)));
}
