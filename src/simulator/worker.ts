import { Hono, type Context } from "hono";
import { faultsSchema, type Faults } from "./faults.ts";
import type { SimulatedPlane } from "./plane.ts";

export { SimulatedPlane } from "./plane.ts";

/**
 * A local stand-in for an ML inference platform, so the mesh can be developed and tested with
 * no account and no network. Never deployed with the mesh (see wrangler.simulator.toml).
 */
export interface SimulatorEnv {
  SIM_PLANE: DurableObjectNamespace<SimulatedPlane>;
  /** The API key the simulated platform accepts (`Authorization: Api-Key …`); unset accepts any. */
  SIM_API_KEY?: string;
  /** Faults planes start with: { "<plane>": { … } }. */
  SIM_FAULTS?: string;
}

type SimContext = Context<{ Bindings: SimulatorEnv }>;

/** Long enough to outlast any probe timeout; the client's abort ends it earlier. */
const HANG_MS = 10 * 60_000;
const MAX_INPUT_BYTES = 256 * 1024;

function planeObject(c: SimContext) {
  return c.env.SIM_PLANE.get(c.env.SIM_PLANE.idFromName(c.req.param("plane")!));
}

async function faultsOf(c: SimContext): Promise<Faults> {
  return planeObject(c).getFaults(c.req.param("plane")!);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Latency and hang apply to every endpoint of the plane. */
async function delay(faults: Faults): Promise<void> {
  if (faults.latencyMs) await sleep(faults.latencyMs);
  if (faults.hang) await sleep(HANG_MS);
}

/** A body that arrives one byte every 500 ms: the client reads it until its deadline. */
function slowBody(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let index = 0;
  return new ReadableStream({
    async pull(controller) {
      await sleep(500);
      if (index < bytes.length) controller.enqueue(bytes.subarray(index, ++index));
      else controller.close();
    },
  });
}

export const simulator = new Hono<{ Bindings: SimulatorEnv }>();

simulator.get("/", (c) =>
  c.json({
    simulator: "planewatch plane simulator",
    endpoints: [
      "POST /planes/:plane/predict",
      "GET /planes/:plane/healthz/livez | /healthz/readyz | /healthz",
      "GET | PUT | DELETE /planes/:plane/faults",
    ],
    faults: Object.keys(faultsSchema.shape),
  }),
);

simulator.get("/planes/:plane/faults", async (c) => c.json(await faultsOf(c)));

simulator.put("/planes/:plane/faults", async (c) => {
  const parsed = faultsSchema.safeParse(await c.req.json().catch(() => undefined));
  if (!parsed.success) {
    return c.json({ error: "invalid faults", problems: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) }, 400);
  }
  await planeObject(c).setFaults(parsed.data);
  return c.json(parsed.data);
});

simulator.delete("/planes/:plane/faults", async (c) => {
  await planeObject(c).setFaults({});
  return c.json({});
});

simulator.post("/planes/:plane/predict", async (c) => {
  const key = c.env.SIM_API_KEY;
  const faults = await faultsOf(c);
  await delay(faults);
  if (faults.unauthorized || (key !== undefined && c.req.header("authorization") !== `Api-Key ${key}`)) {
    return c.json({ error: "invalid API key" }, 401);
  }
  if (faults.modelMissing) {
    return c.json({ error: { code: "MODEL_DOES_NOT_EXIST", message: "model not found" } }, 404);
  }
  if (faults.status !== undefined) return c.json({ error: `injected status ${faults.status}` }, faults.status as 500);
  const raw = await c.req.text();
  let input: unknown;
  try {
    if (raw.length > MAX_INPUT_BYTES) throw new Error("too large");
    input = JSON.parse(raw);
  } catch {
    return c.json({ error: { code: "MODEL_INVALID_INPUT", message: "input must be JSON of at most 256 KiB" } }, 400);
  }
  const output = faults.wrongBody ? { status: "degraded", echo: null } : { status: "ok", echo: input };
  if (faults.slowBody) return c.body(slowBody(JSON.stringify(output)), 200, { "content-type": "application/json" });
  return c.json(output);
});

simulator.get("/planes/:plane/healthz/livez", async (c) => {
  await delay(await faultsOf(c));
  return c.text("ok");
});

for (const path of ["/planes/:plane/healthz/readyz", "/planes/:plane/healthz"]) {
  simulator.get(path, async (c) => {
    const faults = await faultsOf(c);
    await delay(faults);
    return faults.unready ? c.text("not ready", 503) : c.text("ok");
  });
}

export default simulator;
