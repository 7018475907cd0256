import { execFileSync } from "node:child_process";

/**
 * The path of a system program a test needs (promtool, redis-server, chromium, …). On a
 * laptop without it the test is skipped with a loud notice; under CI=true it fails, because
 * .ci/run installs it.
 */
export function systemProgram(name: string, candidates: string[] = []): string | undefined {
  for (const path of candidates) {
    try {
      execFileSync(path, ["--version"], { stdio: "ignore" });
      return path;
    } catch {
      // try the next one
    }
  }
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    if (process.env.CI) throw new Error(`${name} is required under CI (installed by .ci/run) but is not on this machine`);
    console.warn(`\n!!! ${name} is not installed: the tests that need it are SKIPPED on this machine !!!\n`);
    return undefined;
  }
}
