/** What the end-to-end tests read from a running mesh, the way a JSON API consumer does. */
import type { RunningMesh } from "../../scripts/mesh.ts";
import { until } from "./until.ts";

export interface ProbeJson {
  ok: boolean;
  reason: string;
  message: string;
  at: string;
}

export interface PlaneJson {
  id: string;
  status: string;
  regions: Record<string, { status: string; probes: Record<string, ProbeJson> }>;
}

/** Every plane of `GET /api/v1/status`, by id. */
export async function planeStatuses(mesh: RunningMesh): Promise<Record<string, PlaneJson>> {
  const body = (await (await fetch(`${mesh.url}/api/v1/status`)).json()) as { planes: PlaneJson[] };
  return Object.fromEntries(body.planes.map((p) => [p.id, p]));
}

/** `until`, with the mesh's recent logs in the error when the wait fails. */
export function eventually<T>(
  mesh: RunningMesh,
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs?: number,
): Promise<T> {
  return until(what, probe, { timeoutMs, context: () => mesh.logs().slice(-4000) });
}
