/** `npm run docs`: regenerates the docs made from the code (reason codes, configuration reference). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configurationReference } from "./docs/configuration.ts";
import { reasonsDoc } from "./docs/reasons.ts";
import { ROOT } from "./mesh.ts";

const GENERATED: Record<string, () => string> = {
  "docs/config-reference.md": configurationReference,
  "docs/reasons.md": reasonsDoc,
};

for (const [file, render] of Object.entries(GENERATED)) {
  writeFileSync(join(ROOT, file), render());
  console.log(`wrote ${file}`);
}
