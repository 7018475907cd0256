/** The docs made from the code must say what the code says: regenerate them with `npm run docs`. */
import { describe, expect, it } from "vitest";
import configurationFile from "../../docs/config-reference.md?raw";
import reasonsFile from "../../docs/reasons.md?raw";
import { configurationReference } from "../../scripts/docs/configuration.ts";
import { reasonsDoc } from "../../scripts/docs/reasons.ts";

describe("generated docs", () => {
  it("docs/reasons.md lists the reasons registry as it is", () => {
    expect(reasonsFile).toBe(reasonsDoc());
  });

  it("docs/config-reference.md lists every field of the config schema with its description", () => {
    expect(configurationFile).toBe(configurationReference());
  });
});
