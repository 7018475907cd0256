import { describe, expect, it } from "vitest";
import { stepsAfter } from "../../src/objects/migrate.ts";
import { PLANE_SCHEMA } from "../../src/objects/plane/schema.ts";
import { PROBER_SCHEMA } from "../../src/objects/prober/schema.ts";
import { SUMMARY_SCHEMA } from "../../src/objects/summary/schema.ts";

const STEPS = [["CREATE TABLE a (x)"], ["ALTER TABLE a ADD COLUMN y"], ["CREATE TABLE b (z)"]] as const;

describe("schema steps", () => {
  it("are those after the stored version, in order: all for empty storage, none when up to date", () => {
    expect(stepsAfter(0, STEPS)).toEqual(STEPS);
    expect(stepsAfter(1, STEPS)).toEqual([STEPS[1], STEPS[2]]);
    expect(stepsAfter(3, STEPS)).toEqual([]);
  });

  it("refuse storage newer than the code (a downgrade) and a version that is none", () => {
    expect(() => stepsAfter(4, STEPS)).toThrow(/schema version 4, newer than this code's 3/);
    for (const version of [-1, 1.5, Number.NaN]) expect(() => stepsAfter(version, STEPS)).toThrow(/is not a version/);
  });

  it("of every class create tables without IF NOT EXISTS: a step runs once, on the schema before it", () => {
    for (const steps of [PLANE_SCHEMA, PROBER_SCHEMA, SUMMARY_SCHEMA]) {
      expect(steps.length).toBeGreaterThan(0);
      for (const statement of steps.flat()) expect(statement).not.toMatch(/IF NOT EXISTS/i);
    }
  });
});
