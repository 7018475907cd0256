import { z } from "zod";

/** Faults a simulated plane can be told to have, switchable at run time. */
export const faultsSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(600_000).optional().describe("Delay before answering."),
    status: z.number().int().min(100).max(599).optional().describe("Answer /predict with this status."),
    unauthorized: z.boolean().optional().describe("Answer 401 whatever the key."),
    modelMissing: z.boolean().optional().describe("Answer 404 MODEL_DOES_NOT_EXIST."),
    wrongBody: z.boolean().optional().describe("Answer 200 with an unexpected body."),
    hang: z.boolean().optional().describe("Never answer (until the client gives up)."),
    slowBody: z.boolean().optional().describe("Send headers at once, then the body one byte every 500 ms."),
    unready: z.boolean().optional().describe("Answer 503 on readyz and the full healthz."),
  })
  .strict();
export type Faults = z.infer<typeof faultsSchema>;

/** Parses the SIM_FAULTS variable: { "<plane>": Faults, … }, the faults a plane starts with. */
export function initialFaults(raw: string | undefined): Record<string, Faults> {
  if (!raw) return {};
  return z.record(z.string(), faultsSchema).parse(JSON.parse(raw));
}
