/** The docs made from the code must say what the code says: regenerate them with `npm run docs`. */
import { describe, expect, it } from "vitest";
import reasonsFile from "../../docs/reasons.md?raw";
import { reasonsDoc } from "../../scripts/docs/reasons.ts";

describe("generated docs", () => {
  it("docs/reasons.md lists the reasons registry as it is", () => {
    expect(reasonsFile).toBe(reasonsDoc());
  });
});
