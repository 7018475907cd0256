/** The commands a user runs besides the mesh: the config check and the deploy build. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/mesh.ts";

function run(command: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(command, args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", ...env },
  });
}

const node = process.execPath;

describe("npm run check-config", () => {
  it("accepts the bundled config and lists its planes", () => {
    const out = run(node, ["scripts/check-config.ts"]);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain("valid, 2 plane(s)");
    expect(out.stdout).toContain("demo-healthy: wnam, weur, apac; probes sync_predict, async_predict, readyz, chat");
  });

  it("refuses a bad file with every problem and exit code 1", () => {
    const file = join(mkdtempSync(join(tmpdir(), "planewatch-config-")), "planes.json");
    writeFileSync(file, JSON.stringify({ planes: [{ id: "x", regions: ["wnam", "wnam"], probes: [{ kind: "http", url: "ftp://x" }] }] }));
    const out = run(node, ["scripts/check-config.ts", file]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("invalid, 2 problem(s)");
    expect(out.stderr).toContain("planes[0].regions: lists a region twice");
    expect(out.stderr).toContain("planes[0].probes[0].url: expected an http(s) URL, or a path starting with /");
  });

  it("checks PLANES_CONFIG when it is set", () => {
    const out = run(node, ["scripts/check-config.ts"], { PLANES_CONFIG: "{" });
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/^PLANES_CONFIG: invalid, 1 problem\(s\):\n {2}\(root\): not valid JSON/);
  });

  it("says when the file cannot be read", () => {
    const out = run(node, ["scripts/check-config.ts", "/nonexistent/planes.json"]);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain("cannot read");
  });
});

describe("wrangler deploy --dry-run", () => {
  it("builds the bundle with every Durable Object class, without an account", () => {
    const outdir = mkdtempSync(join(tmpdir(), "planewatch-bundle-"));
    const out = run(join(ROOT, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", outdir]);
    expect(out.status, out.stderr).toBe(0);
    const bundle = readFileSync(join(outdir, "index.js"), "utf8");
    const exported = /export \{([^}]*)\}/.exec(bundle)?.[1] ?? "";
    for (const name of ["Prober", "Plane", "Summary", "Dispatcher", "default"]) expect(exported).toMatch(new RegExp(`\\b${name}\\b`));
    expect(bundle).not.toContain("SimulatedPlane");
  });
});
