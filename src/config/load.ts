import bundled from "../../config/planes.json" with { type: "json" };
import type { Env } from "../env.ts";
import type { Config, PlaneConfig } from "./schema.ts";
import { validateConfig, validateConfigText, type ConfigProblem } from "./validate.ts";

export type ConfigSource = "PLANES_CONFIG" | "config/planes.json";

export type LoadedConfig =
  | { ok: true; source: ConfigSource; config: Config }
  | { ok: false; source: ConfigSource; problems: ConfigProblem[] };

let cached: { raw: string | undefined; loaded: LoadedConfig } | undefined;

/**
 * The planes to watch: `PLANES_CONFIG` when it is set (even to something invalid: then nothing
 * is probed and readiness says why), otherwise the bundled `config/planes.json`.
 * Validated once per isolate and per value.
 */
export function loadConfig(env: Pick<Env, "PLANES_CONFIG">): LoadedConfig {
  const raw = env.PLANES_CONFIG;
  if (cached && cached.raw === raw) return cached.loaded;
  const result = raw === undefined ? validateConfig(bundled) : validateConfigText(raw);
  const source: ConfigSource = raw === undefined ? "config/planes.json" : "PLANES_CONFIG";
  const loaded: LoadedConfig = result.ok ? { ok: true, source, config: result.config } : { ok: false, source, problems: result.problems };
  if (!loaded.ok) {
    console.error(
      `planewatch: invalid config from ${source}, nothing will be probed:\n` +
        loaded.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n"),
    );
  }
  cached = { raw, loaded };
  return loaded;
}

const planesById = new WeakMap<Config, Map<string, PlaneConfig>>();

/**
 * The plane with this id in a valid config, or undefined (unknown plane, or invalid config).
 * Every Prober and Plane invocation asks: an index per config keeps that O(1), where a scan
 * would make a round of N planes cost N².
 */
export function findPlane(env: Pick<Env, "PLANES_CONFIG">, planeId: string): PlaneConfig | undefined {
  const loaded = loadConfig(env);
  if (!loaded.ok) return undefined;
  let index = planesById.get(loaded.config);
  if (!index) {
    index = new Map(loaded.config.planes.map((p) => [p.id, p]));
    planesById.set(loaded.config, index);
  }
  return index.get(planeId);
}
