import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { dispatch, type DispatchReport } from "../scheduler/dispatch.ts";
import type { Range } from "../scheduler/fanout.ts";

/** An inner node of the cron fan-out tree: a fresh invocation, so a fresh subrequest budget. */
export class Dispatcher extends DurableObject<Env> {
  async dispatch(range: Range, width: number): Promise<DispatchReport> {
    return dispatch(this.env, range, width);
  }
}
