/**
 * Debian's blackbox_exporter as the baseline: started on 127.0.0.1 with an http_2xx module,
 * driven with GET /probe?target=…&module=http_2xx like Prometheus would.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../scripts/mesh.ts";
import { BLACKBOX_EXPORTER } from "./system.ts";

const CONFIG = `modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
`;

export interface Blackbox {
  pid: number;
  /** Runs one probe; its probe_success and probe_duration_seconds. */
  probe(target: string): Promise<{ success: boolean; durationSeconds: number }>;
  stop(): Promise<void>;
}

export async function startBlackbox(): Promise<Blackbox> {
  const dir = mkdtempSync(join(tmpdir(), "planewatch-blackbox-"));
  writeFileSync(join(dir, "blackbox.yml"), CONFIG);
  const port = await freePort();
  const child = spawn(BLACKBOX_EXPORTER, [`--config.file=${join(dir, "blackbox.yml")}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null || waited > 15_000) throw new Error(`blackbox_exporter did not start:\n${stderr}`);
    try {
      if ((await fetch(`${url}/-/healthy`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid!,
    async probe(target) {
      const text = await (await fetch(`${url}/probe?module=http_2xx&target=${encodeURIComponent(target)}`)).text();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
      return { success: value("probe_success") === 1, durationSeconds: value("probe_duration_seconds") };
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
