/**
 * `npm run check-config [-- FILE]`: validates a planes config the way the mesh will, and lists
 * every problem with its JSON path. Without FILE it checks PLANES_CONFIG if that is set, else
 * config/planes.json. Exit code 0 when valid, 1 when not, 2 when the file cannot be read.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { probeName } from "../src/config/schema.ts";
import { validateConfigText } from "../src/config/validate.ts";
import { ROOT } from "./mesh.ts";

function readSource(file: string | undefined): { source: string; text: string } {
  if (file === undefined && process.env.PLANES_CONFIG !== undefined) {
    return { source: "PLANES_CONFIG", text: process.env.PLANES_CONFIG };
  }
  const source = file ?? join(ROOT, "config", "planes.json");
  try {
    return { source, text: readFileSync(source, "utf8") };
  } catch (error) {
    console.error(`${source}: cannot read: ${(error as Error).message}`);
    return process.exit(2);
  }
}

const { source, text } = readSource(process.argv[2]);
const result = validateConfigText(text);
if (result.ok) {
  console.log(`${source}: valid, ${result.config.planes.length} plane(s)`);
  for (const plane of result.config.planes) {
    console.log(`  ${plane.id}: ${plane.regions.join(", ")}; probes ${plane.probes.map(probeName).join(", ")}`);
  }
} else {
  console.error(`${source}: invalid, ${result.problems.length} problem(s):`);
  for (const p of result.problems) console.error(`  ${p.path}: ${p.message}`);
  process.exitCode = 1;
}
