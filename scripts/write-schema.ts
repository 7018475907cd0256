/** `npm run schema`: regenerates config/planes.schema.json from the zod schema. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configJsonSchema } from "../src/config/json_schema.ts";
import { ROOT } from "./mesh.ts";

const path = join(ROOT, "config", "planes.schema.json");
writeFileSync(path, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path}`);
