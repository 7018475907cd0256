import { Hono } from "hono";
import { STATUS_PAGE } from "../../render/page.ts";
import type { AppEnv } from "../middleware.ts";

/** The status page. */
export const page = new Hono<AppEnv>();

page.get("/", (c) => c.html(STATUS_PAGE));
