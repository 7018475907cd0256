import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";
import { activeMaintenance, nextMaintenanceChange, weekdaysCron, type MaintenanceWindow } from "../../src/status/maintenance.ts";

const at = (iso: string) => Date.parse(iso);
const MIN = 60_000;

describe("one-off windows", () => {
  const once: MaintenanceWindow = { start: "2026-12-02T10:00:00Z", end: "2026-12-02T11:00:00Z", reason: "upgrade" };

  it("hold from start (inclusive) to end (exclusive)", () => {
    expect(activeMaintenance([once], null, at("2026-12-02T09:59:59Z"))).toBeNull();
    expect(activeMaintenance([once], null, at("2026-12-02T10:00:00Z"))).toEqual({
      from: at("2026-12-02T10:00:00Z"),
      until: at("2026-12-02T11:00:00Z"),
      reason: "upgrade",
      source: "config",
      setBy: null,
    });
    expect(activeMaintenance([once], null, at("2026-12-02T11:00:00Z"))).toBeNull();
  });

  it("wake the alarm at the start, then at the end, then never", () => {
    expect(nextMaintenanceChange([once], null, at("2026-12-02T09:00:00Z"))).toBe(at("2026-12-02T10:00:00Z"));
    expect(nextMaintenanceChange([once], null, at("2026-12-02T10:30:00Z"))).toBe(at("2026-12-02T11:00:00Z"));
    expect(nextMaintenanceChange([once], null, at("2026-12-02T12:00:00Z"))).toBe(Infinity);
  });
});

describe("recurring windows", () => {
  // Sundays 02:00 in Berlin (UTC+1 in December), for 90 minutes.
  const cron: MaintenanceWindow = { cron: "0 2 * * 0", durationMinutes: 90, timezone: "Europe/Berlin", reason: "weekly" };

  it("are found from their last start, read in their time zone", () => {
    expect(activeMaintenance([cron], null, at("2026-12-06T00:59:00Z"))).toBeNull();
    expect(activeMaintenance([cron], null, at("2026-12-06T01:00:00Z"))?.until).toBe(at("2026-12-06T02:30:00Z"));
    // Started before now: the previous run still holds.
    expect(activeMaintenance([cron], null, at("2026-12-06T02:29:59Z"))?.from).toBe(at("2026-12-06T01:00:00Z"));
    expect(activeMaintenance([cron], null, at("2026-12-06T02:30:00Z"))).toBeNull();
  });

  it("schedule the next start, or the end of the open one", () => {
    expect(nextMaintenanceChange([cron], null, at("2026-12-02T12:00:00Z"))).toBe(at("2026-12-06T01:00:00Z"));
    expect(nextMaintenanceChange([cron], null, at("2026-12-06T01:30:00Z"))).toBe(at("2026-12-06T02:30:00Z"));
  });

  it("follow daylight saving time", () => {
    // Berlin is UTC+2 in July.
    expect(activeMaintenance([cron], null, at("2026-07-05T00:00:00Z"))?.from).toBe(at("2026-07-05T00:00:00Z"));
  });

  it("can be given as weekdays and a time", () => {
    expect(weekdaysCron(["mon", "fri"], "22:30")).toBe("30 22 * * 1,5");
    const nightly: MaintenanceWindow = { weekdays: ["wed"], time: "23:00", durationMinutes: 120, timezone: "UTC", reason: "backup" };
    // A window that started the day before still holds after midnight.
    expect(activeMaintenance([nightly], null, at("2026-12-03T00:30:00Z"))?.from).toBe(at("2026-12-02T23:00:00Z"));
    expect(activeMaintenance([nightly], null, at("2026-12-03T01:00:00Z"))).toBeNull();
  });
});

describe("runtime windows", () => {
  const runtime = { setAt: at("2026-12-02T10:00:00Z"), until: at("2026-12-02T10:30:00Z"), reason: "hotfix", setBy: "admin token" };

  it("hold until their end and say who set them", () => {
    expect(activeMaintenance([], runtime, at("2026-12-02T10:10:00Z"))).toMatchObject({
      source: "api",
      setBy: "admin token",
      reason: "hotfix",
    });
    expect(activeMaintenance([], runtime, at("2026-12-02T10:30:00Z"))).toBeNull();
    expect(nextMaintenanceChange([], runtime, at("2026-12-02T10:10:00Z"))).toBe(runtime.until);
  });

  it("give way to a longer open window", () => {
    const once: MaintenanceWindow = { start: "2026-12-02T09:00:00Z", end: "2026-12-02T12:00:00Z", reason: "upgrade" };
    expect(activeMaintenance([once], runtime, at("2026-12-02T10:10:00Z"))?.reason).toBe("upgrade");
    expect(activeMaintenance([once], { ...runtime, until: at("2026-12-02T13:00:00Z") }, at("2026-12-02T10:10:00Z"))?.reason).toBe("hotfix");
  });
});

describe("config", () => {
  const plane = (extra: object) => ({
    planes: [{ id: "p", baseUrl: "https://p.example", regions: ["weur"], probes: [{ kind: "http", url: "/health" }], ...extra }],
  });

  it("accepts the three shapes and a flapping policy", () => {
    const result = validateConfig(
      plane({
        maintenance: [
          { start: "2026-12-02T10:00:00Z", end: "2026-12-02T11:00:00Z", reason: "upgrade" },
          { cron: "0 2 * * 0", durationMinutes: 60, timezone: "Europe/Berlin", reason: "weekly" },
          { weekdays: ["mon"], time: "03:00", durationMinutes: 30, timezone: "UTC", reason: "nightly" },
        ],
        flapping: { changes: 3, minutes: 10 },
      }),
    );
    expect(result.ok).toBe(true);
  });

  it.each([
    [{ cron: "0 2 * * 0", durationMinutes: 60, timezone: "Mars/Olympus", reason: "x" }, "planes[0].maintenance[0].timezone"],
    [{ cron: "every sunday", durationMinutes: 60, timezone: "UTC", reason: "x" }, "planes[0].maintenance[0].cron"],
    [{ weekdays: ["mon"], time: "3am", durationMinutes: 60, timezone: "UTC", reason: "x" }, "planes[0].maintenance[0].time"],
    [{ start: "2026-12-02T11:00:00Z", end: "2026-12-02T10:00:00Z", reason: "x" }, "planes[0].maintenance[0].end"],
  ])("refuses %j at its path", (window, path) => {
    const result = validateConfig(plane({ maintenance: [window] }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).toContain(path);
  });

  it("keeps a zero duration out", () => {
    expect(validateConfig(plane({ maintenance: [{ cron: "0 2 * * 0", durationMinutes: 0, timezone: "UTC", reason: "x" }] })).ok).toBe(
      false,
    );
  });
});

describe("durations", () => {
  it("are minutes", () => {
    const w: MaintenanceWindow = { cron: "0 * * * *", durationMinutes: 5, timezone: "UTC", reason: "hourly" };
    expect(activeMaintenance([w], null, at("2026-12-02T10:04:00Z"))?.until).toBe(at("2026-12-02T10:00:00Z") + 5 * MIN);
  });
});
