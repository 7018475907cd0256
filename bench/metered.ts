/**
 * The mesh with its billable units metered (bench/meter.ts): the mesh's own Worker and Durable
 * Object classes, wrapped, so whatever src/ does is what is counted. Run by the benchmark under
 * wrangler dev with a copy of wrangler.toml pointing here (bench/metered_mesh.ts); never deployed.
 * GET /__meter answers the counts, `?reset=1` starts them afresh.
 */
import type { Env } from "../src/env.ts";
import mesh, * as classes from "../src/index.ts";
import { meteredHandler, meteredObject, meterSubrequests } from "./meter.ts";

meterSubrequests();

// One line per Durable Object class of wrangler.toml: a class added there and missing here fails the start loudly.
export const Prober = meteredObject("Prober", classes.Prober);
export const Plane = meteredObject("Plane", classes.Plane);
export const Summary = meteredObject("Summary", classes.Summary);
export const Dispatcher = meteredObject("Dispatcher", classes.Dispatcher);

export default meteredHandler<Env>(mesh as Required<Pick<ExportedHandler<Env>, "fetch" | "scheduled">>);
