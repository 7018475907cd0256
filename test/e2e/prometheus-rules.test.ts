/**
 * The shipped Prometheus rules as promtool reads them: `check rules` finds them valid, and
 * `test rules` runs deploy/prometheus/rules_test.yml (every alert fires on its series and stays
 * quiet in a maintenance window), so `npm test` holds the rules to their tests.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { systemProgram } from "../support/system.ts";

const DIR = join(import.meta.dirname, "../../deploy/prometheus");

function promtool(binary: string, ...args: string[]): { ok: boolean; output: string } {
  try {
    return { ok: true, output: execFileSync(binary, args, { cwd: DIR, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

describe("deploy/prometheus", () => {
  it("holds rules promtool finds valid", (ctx) => {
    const binary = systemProgram("promtool", ["/usr/bin/promtool"]);
    if (!binary) return ctx.skip("promtool is not installed");
    const checked = promtool(binary, "check", "rules", "rules.yml");
    expect(checked.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(checked.ok, checked.output).toBe(true);
  });

  it("passes its promtool unit tests", (ctx) => {
    const binary = systemProgram("promtool", ["/usr/bin/promtool"]);
    if (!binary) return ctx.skip("promtool is not installed");
    const tests = readdirSync(DIR).filter((f) => /test.*\.ya?ml$/.test(f));
    expect(tests).toEqual(["rules_test.yml"]);
    const tested = promtool(binary, "test", "rules", ...tests);
    expect(tested.ok, tested.output).toBe(true);
  });

  it("has a unit test for every alert, firing and quiet", () => {
    const names = (file: string, key: string) =>
      [...readFileSync(join(DIR, file), "utf8").matchAll(new RegExp(`^\\s*-?\\s*${key}: (\\w+)$`, "gm"))].map((m) => m[1]!);
    const alerts = names("rules.yml", "alert");
    expect(alerts.length).toBeGreaterThan(5);
    const tested = new Set(names("rules_test.yml", "alertname"));
    expect(alerts.filter((a) => !tested.has(a))).toEqual([]);
  });
});
