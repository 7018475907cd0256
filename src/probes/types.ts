import type { connect } from "cloudflare:sockets";

/** The plane's API key as the probe sees it: which secret holds it, and its value if that secret is set. */
export interface ApiKey {
  secretName: string;
  value: string | undefined;
}

/**
 * Everything a probe may use. Probes receive their I/O here instead of importing it, so a
 * probe is a plain function: no bindings, no globals, testable with any fetch/connect.
 */
export interface ProbeContext {
  /** Base URL of the plane; relative probe URLs resolve against it. */
  baseUrl: string | undefined;
  /** Set when the plane declares `apiKeySecret`. */
  apiKey: ApiKey | undefined;
  /** Reads a Worker secret by name; undefined when it is not set. */
  secret(name: string): string | undefined;
  /** Absolute time (epoch ms) by which the probe must have returned. */
  deadline: number;
  /** Aborted at the deadline. */
  signal: AbortSignal;
  fetch: typeof fetch;
  connect: typeof connect;
}

/** What one run of one probe found. `reason` is a stable machine code ("ok", "timeout", …). */
export interface ProbeOutcome {
  ok: boolean;
  reason: string;
  latencyMs: number;
  httpStatus?: number;
  message: string;
}

/** The one signature every probe kind has: its config and a context in, an outcome out. */
export type Prober<C> = (config: C, ctx: ProbeContext) => Promise<ProbeOutcome>;
