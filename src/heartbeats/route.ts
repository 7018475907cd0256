import { Hono } from "hono";
import { findPlane } from "../config/load.ts";
import { planeStub } from "../objects/stubs.ts";
import { bearerToken, sameSecret } from "../http/auth.ts";
import { requireValidConfig, type AppEnv } from "../http/middleware.ts";
import { problem } from "../http/problem.ts";
import { heartbeatProbe } from "./storage.ts";
import { readSecret } from "../secrets.ts";

/**
 * `POST /api/v1/heartbeats/{plane}/{probe}` with `Authorization: Bearer <token>`: a worker or
 * a cron job says it is alive. The token is the value of the secret the probe names (not the
 * API's read token); a beat reaches the plane's Plane object, which judges silence on its
 * alarm. Nothing is stored for an unknown plane or probe, or a bad token. Like the webhook
 * receiver, it is written to by senders, not read: it stays out of the read API's OpenAPI
 * document and its read token.
 */
export const heartbeats = new Hono<AppEnv>();

heartbeats.use("*", requireValidConfig);

heartbeats.post("/:plane/:probe", async (c) => {
  const { plane: planeId, probe: name } = c.req.param();
  const plane = findPlane(c.env, planeId);
  const probe = plane && heartbeatProbe(plane, name);
  if (!plane || !probe) {
    return problem(c, 404, "Unknown heartbeat", `Plane "${planeId}" has no heartbeat probe "${name}".`);
  }
  const expected = readSecret(c.env, probe.tokenSecret);
  if (expected === undefined) {
    return problem(
      c,
      503,
      "Heartbeat token not configured",
      `The secret ${probe.tokenSecret} that holds this heartbeat's token is not set.`,
    );
  }
  const presented = bearerToken(c.req.header("authorization"));
  if (presented === undefined || !(await sameSecret(presented, expected))) {
    c.header("www-authenticate", 'Bearer realm="planewatch heartbeats"');
    return problem(c, 401, "Invalid heartbeat token", "Send the heartbeat's token as `Authorization: Bearer <token>`.");
  }
  await planeStub(c.env, plane.id).heartbeat(plane.id, name);
  return c.json({ plane: plane.id, probe: name, receivedAt: new Date().toISOString() }, 202);
});
