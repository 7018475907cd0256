import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import { etag, RETAINED_304_HEADERS } from "hono/etag";
import { requireBearer } from "../../auth.ts";
import { requireValidConfig, type AppEnv } from "../../middleware.ts";
import { events } from "./events.ts";
import { history } from "./history.ts";
import { cacheFor, invalidRequest } from "./http.ts";
import { maintenance } from "./maintenance.ts";
import { planes } from "./planes.ts";
import { renderReference } from "../../../render/api_reference.ts";
import { statusEventSchema } from "./schemas.ts";

/**
 * The JSON status API under /api/v1: OpenAPI routes whose zod schemas type the handlers,
 * validate the requests and make the document at /api/v1/openapi.json. Its reference page and
 * document are public; everything else wants the read token when API_READ_TOKEN is set.
 */
export const api = new OpenAPIHono<AppEnv>({ defaultHook: invalidRequest }).basePath("/api/v1");

const CORS_HEADERS = ["access-control-allow-origin", "access-control-expose-headers"];

// Any origin: the API is read-only and its token travels in a header, never in a cookie.
api.use(
  "*",
  cors({
    origin: "*",
    allowMethods: ["GET", "HEAD"],
    allowHeaders: ["Authorization", "If-None-Match", "Last-Event-ID"],
    exposeHeaders: ["ETag"],
    maxAge: 600,
  }),
);

api.openAPIRegistry.registerComponent("securitySchemes", "readToken", {
  type: "http",
  scheme: "bearer",
  description: "Required only when the Worker has the API_READ_TOKEN secret; the token is its value.",
});
api.openAPIRegistry.register("StatusEvent", statusEventSchema);

let document: ReturnType<typeof api.getOpenAPI31Document> | undefined;

/** Generated once per isolate, when first asked for: every route is registered by then. */
function openApiDocument() {
  document ??= api.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "planewatch status API",
      version: "1",
      description:
        "Status, history, uptime and transitions of the planes planewatch probes, and a live stream of transitions. " +
        "Errors are `application/problem+json` (RFC 9457). Reads carry an `ETag` (a matching `If-None-Match` gets 304) and " +
        "`Cache-Control`; CORS allows any origin.",
    },
  });
  return document;
}

api.openapi(
  createRoute({
    method: "get",
    path: "/openapi.json",
    tags: ["Reference"],
    summary: "This API's OpenAPI 3.1 document",
    middleware: [cacheFor("max-age=300")] as const,
    responses: { 200: { description: "The document.", content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } } },
  }),
  (c) => c.json(openApiDocument(), 200),
);

api.openapi(
  createRoute({
    method: "get",
    path: "/docs",
    tags: ["Reference"],
    summary: "This API's reference, as a page",
    middleware: [cacheFor("max-age=300")] as const,
    responses: {
      200: { description: "HTML rendered from the OpenAPI document, with no script.", content: { "text/html": { schema: z.string() } } },
    },
  }),
  (c) => c.html(renderReference(openApiDocument())),
);

// Admin actions carry the admin token, not the read token: they come before the read API's guard.
api.route("/", maintenance);
api.use("*", requireBearer("API_READ_TOKEN"));
api.use("*", requireValidConfig);
// The event stream never ends on its own, so it must not meet the ETag middleware, which reads whole bodies.
api.route("/", events);
api.use("*", etag({ retainedHeaders: [...RETAINED_304_HEADERS, ...CORS_HEADERS] }));
api.route("/", planes);
api.route("/", history);
