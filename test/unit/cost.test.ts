import { describe, expect, it } from "vitest";
import { dollarsPerMillionRuns, perRun, unitsOf, type Units } from "../../bench/cost.ts";
import { emptyScope, type MeterReading, type ScopeUnits } from "../../bench/meter.ts";

const scope = (units: Partial<ScopeUnits>): ScopeUnits => ({ ...emptyScope(), ...units });

const none: Units = {
  workerRequests: 0,
  cpuMs: 0,
  objectRequests: 0,
  objectGbSeconds: 0,
  objectRowsWritten: 0,
  objectRowsRead: 0,
  d1RowsWritten: 0,
  d1RowsRead: 0,
  subrequests: 0,
};

describe("the benchmark's cost arithmetic", () => {
  it("takes the Worker's invocations apart from the objects' requests, and bills each setAlarm as a row", () => {
    const reading: MeterReading = {
      scopes: {
        Worker: scope({ requests: { scheduled: 2, fetch: 1 }, activeMs: 5_000, d1RowsWritten: 4, subrequests: 1 }),
        Prober: scope({
          requests: { tick: 10, alarm: 20 },
          activeMs: 2_000,
          sqlRowsWritten: 20,
          sqlRowsRead: 30,
          alarmsSet: 25,
          subrequests: 40,
        }),
        Plane: scope({ requests: { report: 20 }, activeMs: 500, sqlRowsWritten: 80, d1RowsWritten: 40, d1RowsRead: 7 }),
      },
      statements: {},
    };
    expect(unitsOf(reading, 12)).toEqual({
      workerRequests: 3,
      cpuMs: 12,
      objectRequests: 50,
      // Only the objects' active time is billed as duration: 2.5 s × 0.128 GB.
      objectGbSeconds: 0.32,
      objectRowsWritten: 125,
      objectRowsRead: 30,
      d1RowsWritten: 44,
      d1RowsRead: 7,
      subrequests: 41,
    });
  });

  it("charges hourly work over an hour's runs", () => {
    const window = { ...none, objectRequests: 3_000, d1RowsWritten: 2_000 };
    const hourly = { ...none, d1RowsWritten: 36_000, workerRequests: 1 };
    expect(perRun(window, 1_000, hourly, 36_000)).toEqual({ ...none, objectRequests: 3, d1RowsWritten: 3, workerRequests: 1 / 36_000 });
    expect(() => perRun(window, 0, hourly, 36_000)).toThrow(/no probe runs/);
  });

  it("prices a million runs at the published rates", () => {
    const { byUnit, total } = dollarsPerMillionRuns({
      ...none,
      workerRequests: 1,
      cpuMs: 1,
      objectRequests: 2,
      objectGbSeconds: 0.01,
      objectRowsWritten: 4,
      objectRowsRead: 10,
      d1RowsWritten: 1.5,
      d1RowsRead: 1_000,
      subrequests: 2,
    });
    expect(byUnit.workerRequests).toBeCloseTo(0.3);
    // Charged as object time: 1 ms at 128 MB.
    expect(byUnit.cpuMs).toBeCloseTo(0.0016);
    expect(byUnit.objectRequests).toBeCloseTo(0.3);
    expect(byUnit.objectGbSeconds).toBeCloseTo(0.125);
    expect(byUnit.objectRowsWritten).toBeCloseTo(4);
    expect(byUnit.objectRowsRead).toBeCloseTo(0.01);
    expect(byUnit.d1RowsWritten).toBeCloseTo(1.5);
    expect(byUnit.d1RowsRead).toBeCloseTo(1);
    expect(byUnit.subrequests).toBe(0);
    expect(total).toBeCloseTo(0.3 + 0.0016 + 0.3 + 0.125 + 4 + 0.01 + 1.5 + 1);
  });
});
