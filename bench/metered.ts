/**
 * The mesh with its billable units metered (bench/meter.ts): the mesh's own Worker and Durable
 * Object classes, wrapped, so whatever src/ does is what is counted. Run by the benchmark under
 * wrangler dev with a copy of wrangler.toml pointing here (bench/metered_mesh.ts); never deployed.
 * GET /__meter answers the counts, `?reset=1` starts them afresh.
 *
 * POST /__plane-webhooks hands webhooks straight to their Plane objects by RPC, as the receiver
 * (src/async/route.ts) does once it has read one, `concurrency` at a time: locally the receiver,
 * the client sending and every object share one thread, while on Cloudflare receivers run in
 * isolates of their own and a plane's webhooks meet only in its Plane object. This times that
 * object's own pace (bench/webhooks.ts).
 */
import type { Delivery } from "../src/async/index.ts";
import type { Env } from "../src/env.ts";
import mesh, * as classes from "../src/index.ts";
import { mapLimit } from "../src/lib/concurrency.ts";
import { planeStub } from "../src/objects/stubs.ts";
import { meteredHandler, meteredObject, meterSubrequests } from "./meter.ts";

meterSubrequests();

// One line per Durable Object class of wrangler.toml: a class added there and missing here fails the start loudly.
export const Prober = meteredObject("Prober", classes.Prober);
export const Plane = meteredObject("Plane", classes.Plane);
export const Summary = meteredObject("Summary", classes.Summary);
export const Dispatcher = meteredObject("Dispatcher", classes.Dispatcher);

export interface PlaneWebhooks {
  concurrency: number;
  webhooks: Array<{ plane: string; token: string; delivery: Delivery }>;
}

async function planeWebhooks(request: Request, env: Env): Promise<Response> {
  const { concurrency, webhooks } = await request.json<PlaneWebhooks>();
  const settled = await mapLimit(webhooks, concurrency, ({ plane, token, delivery }) =>
    planeStub(env, plane).webhook(plane, token, delivery),
  );
  return Response.json(settled.map((s) => (s.status === "fulfilled" ? s.value.outcome : String(s.reason))));
}

const metered = meteredHandler<Env>(mesh as Required<Pick<ExportedHandler<Env>, "fetch" | "scheduled">>);

export default {
  ...metered,
  fetch: (request, env, ctx) =>
    new URL(request.url).pathname === "/__plane-webhooks" && request.method === "POST"
      ? planeWebhooks(request, env)
      : metered.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
