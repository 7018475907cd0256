import type { connect } from "cloudflare:sockets";

/** A secret the plane's config names, as the probe sees it: its name, and its value if it is set. */
export interface SecretRef {
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
  apiKey: SecretRef | undefined;
  /** Set when the plane declares `webhookSecret` (async webhooks are signed with it). */
  webhookSecret: SecretRef | undefined;
  /**
   * Opens a webhook endpoint for one async request: a URL on this mesh that the platform calls
   * back, tied to this plane, region and probe run. Throws when the mesh has no public URL.
   */
  webhookEndpoint(): Promise<string>;
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
  /** Set by an async probe whose request was accepted: its verdict comes later, with the webhook. */
  requestId?: string;
}

/** The one signature every probe kind has: its config and a context in, an outcome out. */
export type Prober<C> = (config: C, ctx: ProbeContext) => Promise<ProbeOutcome>;
