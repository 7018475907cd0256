import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { findPlane, loadConfig } from "../config/load.ts";
import type { Config, PlaneConfig } from "../config/schema.ts";
import type { Env } from "../env.ts";
import { problem } from "./problem.ts";

export type AppEnv = { Bindings: Env; Variables: { config: Config; plane: PlaneConfig } };

/** Answers 503 with every config problem when the config is invalid; otherwise provides it. */
export const requireValidConfig = createMiddleware<AppEnv>(async (c, next) => {
  const loaded = loadConfig(c.env);
  if (!loaded.ok) {
    return problem(c, 503, "Invalid configuration", `The config from ${loaded.source} is invalid; nothing is probed.`, {
      problems: loaded.problems,
    });
  }
  c.set("config", loaded.config);
  await next();
});

/** The 404 for a plane id the config does not have: it names the endpoint that lists them. */
export function unknownPlane(c: Context, id: string) {
  return problem(c, 404, "Unknown plane", `No plane "${id}" is configured; GET /api/v1/status lists the planes.`);
}

/** Provides the plane named by the `:id` path parameter, or answers 404. */
export const requirePlane = createMiddleware<AppEnv>(async (c, next) => {
  const id = c.req.param("id") ?? "";
  const plane = findPlane(c.env, id);
  if (!plane) return unknownPlane(c, id);
  c.set("plane", plane);
  await next();
});
