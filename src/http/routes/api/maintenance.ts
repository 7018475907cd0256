import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { planeStub } from "../../../objects/stubs.ts";
import { ADMIN_IDENTITY, requireAdmin } from "../../auth.ts";
import { requirePlane, requireValidConfig, type AppEnv } from "../../middleware.ts";
import { problem } from "../../problem.ts";
import { errors, invalidRequest, windowJson } from "./http.ts";
import { MAX_API_WINDOW_MS, maintenanceAnswerSchema, maintenanceRequestSchema, planeParamsSchema } from "./schemas.ts";

/** A window's request is two short fields: anything longer is refused before it is read. */
const MAX_BODY_BYTES = 2_048;

/**
 * Admin actions: opening and ending a plane's maintenance window at run time. They want the
 * admin token (never the read token) and are closed while ADMIN_TOKEN is unset.
 */
export const maintenance = new OpenAPIHono<AppEnv>({ defaultHook: invalidRequest });

maintenance.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
  type: "http",
  scheme: "bearer",
  description: "The value of the ADMIN_TOKEN secret; without that secret admin actions answer 403.",
});

const BAD_UNTIL = { problems: [{ parameter: "until", message: "must be in the future and within 7 days" }] };

const ADMIN_SECURITY = [{ adminToken: [] }];
const guards = [requireAdmin, requireValidConfig, requirePlane] as const;
const answer = { description: "The window the plane is in now.", content: { "application/json": { schema: maintenanceAnswerSchema } } };

maintenance.openapi(
  createRoute({
    method: "put",
    path: "/planes/{id}/maintenance",
    tags: ["Admin"],
    summary: "Open a maintenance window until a time",
    description:
      "Probes go on and the status is computed, but Sentry alerts wait until the window ends (a bad status still standing then alerts), " +
      "uptime leaves the time out, and `workload_plane_maintenance` reads 1. Replaces a window set earlier through the API. " +
      "The transitions history records it, set by the admin token.",
    security: ADMIN_SECURITY,
    request: {
      params: planeParamsSchema,
      body: { required: true, content: { "application/json": { schema: maintenanceRequestSchema } } },
    },
    middleware: [
      ...guards,
      bodyLimit({
        maxSize: MAX_BODY_BYTES,
        onError: (c) => problem(c, 413, "Payload too large", `The body takes at most ${MAX_BODY_BYTES} bytes.`),
      }),
    ] as const,
    responses: { 200: answer, ...errors(400, 401, 403, 404, 413, 503) },
  }),
  async (c) => {
    const plane = c.get("plane");
    const { until, reason } = c.req.valid("json");
    const end = Date.parse(until);
    const now = Date.now();
    if (end <= now || end > now + MAX_API_WINDOW_MS) {
      return c.json(
        { type: "about:blank", title: "Invalid request", status: 400, detail: "Some parameters are invalid.", ...BAD_UNTIL },
        400,
        {
          "content-type": "application/problem+json",
        },
      );
    }
    const open = await planeStub(c.env, plane.id).setMaintenance(plane.id, { until: end, reason, setBy: ADMIN_IDENTITY });
    return c.json({ plane: plane.id, maintenance: windowJson(open) }, 200);
  },
);

maintenance.openapi(
  createRoute({
    method: "delete",
    path: "/planes/{id}/maintenance",
    tags: ["Admin"],
    summary: "End the window set through the API now",
    description:
      "Ends the window PUT opened; a window from the config goes on (the answer shows it). Alerts held by the window are sent now " +
      "if their status still stands. The transitions history records it.",
    security: ADMIN_SECURITY,
    request: { params: planeParamsSchema },
    middleware: [...guards] as const,
    responses: { 200: answer, ...errors(401, 403, 404, 503) },
  }),
  async (c) => {
    const plane = c.get("plane");
    const open = await planeStub(c.env, plane.id).endMaintenance(plane.id, ADMIN_IDENTITY);
    return c.json({ plane: plane.id, maintenance: windowJson(open) }, 200);
  },
);
