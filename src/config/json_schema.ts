import { z } from "zod";
import { configSchema } from "./schema.ts";

/** The JSON Schema of config/planes.json (what a user writes: defaults are optional), for editors. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }),
    title: "planewatch planes config",
  };
}
