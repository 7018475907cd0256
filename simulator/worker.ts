import { Hono, type Context } from "hono";
import { chatCompletion, parseChatRequest } from "./chat.ts";
import { faultsSchema, modelOutput, type Faults } from "./faults.ts";
import type { SimulatedPlane } from "./plane.ts";

export { SimulatedPlane } from "./plane.ts";

/**
 * A local stand-in for an ML inference platform, so the mesh can be developed and tested with
 * no account and no network. Never deployed with the mesh (see simulator/wrangler.toml).
 */
export interface SimulatorEnv {
  SIM_PLANE: DurableObjectNamespace<SimulatedPlane>;
  /** The API key the simulated platform accepts (`Authorization: Api-Key …`); unset accepts any. */
  SIM_API_KEY?: string;
  /** Faults planes start with: { "<plane>": { … } }. */
  SIM_FAULTS?: string;
  /** The secret async webhooks are signed with (X-BASETEN-SIGNATURE); unset sends them unsigned. */
  SIM_WEBHOOK_SECRET?: string;
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
      "POST /planes/:plane/async_predict",
      "GET /planes/:plane/async_request/:id",
      "POST /planes/:plane/v1/chat/completions",
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

/**
 * What every inference call goes through: delay, identity (`Api-Key …`, or `Bearer …` as
 * OpenAI clients send it), model presence, injected status.
 */
async function gate(c: SimContext, faults: Faults): Promise<Response | null> {
  await delay(faults);
  const key = c.env.SIM_API_KEY;
  const given = c.req.header("authorization");
  if (faults.unauthorized || (key !== undefined && given !== `Api-Key ${key}` && given !== `Bearer ${key}`)) {
    return c.json({ error: "invalid API key" }, 401);
  }
  if (faults.modelMissing) return c.json({ error: { code: "MODEL_DOES_NOT_EXIST", message: "model not found" } }, 404);
  if (faults.status !== undefined) return c.json({ error: `injected status ${faults.status}` }, faults.status as 500);
  return null;
}

async function readJson(c: SimContext): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const raw = await c.req.text();
  if (raw.length > MAX_INPUT_BYTES) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}

const invalidInput = (c: SimContext) =>
  c.json({ error: { code: "MODEL_INVALID_INPUT", message: "input must be JSON of at most 256 KiB" } }, 400);

simulator.post("/planes/:plane/predict", async (c) => {
  const faults = await faultsOf(c);
  const refused = await gate(c, faults);
  if (refused) return refused;
  const input = await readJson(c);
  if (!input.ok) return invalidInput(c);
  const output = modelOutput(input.value, faults);
  if (faults.slowBody) return c.body(slowBody(JSON.stringify(output)), 200, { "content-type": "application/json" });
  return c.json(output);
});

simulator.post("/planes/:plane/v1/chat/completions", async (c) => {
  const arrived = Date.now();
  const faults = await faultsOf(c);
  const refused = await gate(c, faults);
  if (refused) return refused;
  const body = await readJson(c);
  const request = body.ok ? parseChatRequest(body.value) : "the body must be JSON of at most 256 KiB";
  if (typeof request === "string") return c.json({ error: { message: request, type: "invalid_request_error" } }, 400);
  return chatCompletion(request, faults, arrived);
});

simulator.post("/planes/:plane/async_predict", async (c) => {
  const faults = await faultsOf(c);
  const refused = await gate(c, faults);
  if (refused) return refused;
  const body = await readJson(c);
  const request = body.ok ? (body.value as { model_input?: unknown; webhook_endpoint?: unknown }) : undefined;
  if (!request || request.model_input === undefined || typeof request.webhook_endpoint !== "string") return invalidInput(c);
  const id = await planeObject(c).submit(c.req.param("plane"), request.model_input, request.webhook_endpoint);
  return c.json({ request_id: id }, 201);
});

simulator.get("/planes/:plane/async_request/:id", async (c) => {
  const refused = await gate(c, { ...(await faultsOf(c)), status: undefined });
  if (refused) return refused;
  const state = await planeObject(c).request(c.req.param("id"));
  return state ? c.json(state) : c.json({ error: "no such request" }, 404);
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
