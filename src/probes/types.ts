import type { connect } from "cloudflare:sockets";
import type { z } from "zod";
import type { StreamFigures } from "../status/model.ts";
import type { ProbeTrace } from "./wire/trace.ts";

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
  /** Removes every secret value and credential-shaped text: applied to what a target sends back before it is quoted. */
  redact(text: string): string;
  /** Sent with every request of this attempt (src/probes/wire/trace.ts) and kept with its result. */
  trace: ProbeTrace;
  /** Absolute time (epoch ms) by which the probe must have returned. */
  deadline: number;
  /** Aborted at the deadline. */
  signal: AbortSignal;
  fetch: typeof fetch;
  connect: typeof connect;
}

/** What one run of one probe found. `reason` is a stable machine code ("ok", "timeout", …; src/status/reasons.ts). */
export interface ProbeOutcome {
  ok: boolean;
  reason: string;
  latencyMs: number;
  httpStatus?: number;
  message: string;
  /** Set by an async probe whose request was accepted: its verdict comes later, with the webhook. */
  requestId?: string;
  /** Set by a probe that read a streamed answer: what it measured, whatever the verdict. */
  figures?: StreamFigures;
}

/** The one signature every probe kind has: its config and a context in, an outcome out. */
export type Prober<C> = (config: C, ctx: ProbeContext) => Promise<ProbeOutcome>;

/** What a kind needs of its plane, checked when the config loads so that a probe that could not run is refused up front. */
export interface PlaneNeeds {
  /** Its requests are built from the plane's baseUrl: the kind cannot run without one. */
  baseUrl?: boolean;
  /** The field naming the probe's own target; without it the probe aims at the plane's baseUrl (or its host), which must then exist. */
  targetField?: "host" | "url";
  /** Fields holding an absolute URL or a path joined to the plane's baseUrl. */
  urlFields?: readonly string[];
}

/** The plane, as a kind's own config check sees it. */
export interface PlaneFacts {
  baseUrl?: string;
  statusTtlSeconds: number;
}

/** A problem a kind finds in a probe's config: the path under the probe, and why. */
export type ProbeProblem = [path: Array<string | number>, message: string];

/** A kind's config schema: a zod object discriminated by `kind`. */
export type KindSchema = z.ZodObject<{ kind: z.ZodLiteral<string> } & z.ZodRawShape, z.core.$ZodObjectConfig>;

/** What every declared entry of a plane's `probes` has: a kind, and what the config check asks of it. */
interface DeclaredSpec<S extends KindSchema> {
  kind: z.infer<S>["kind"];
  /** One line for the kinds table of the docs. */
  summary: string;
  schema: S;
  /** A minimal declaration of the kind, for the docs and the tests every kind goes through. */
  example: Record<string, unknown>;
  needs?(probe: z.infer<S>): PlaneNeeds;
  /** Checks that need the plane beyond `needs`. */
  check?(probe: z.infer<S>, plane: PlaneFacts): ProbeProblem[];
}

/**
 * A kind the mesh runs from every region of its plane, in a Prober object. Its file holds the
 * whole of it; src/probes/registry.ts lists it, and nothing else names the kind.
 */
export interface PulledKindSpec<S extends KindSchema = KindSchema> extends DeclaredSpec<S> {
  run(config: z.infer<S>, ctx: ProbeContext): Promise<ProbeOutcome>;
  /** Speaks HTTP: its results carry the status code, exported as probe_http_status_code. */
  speaksHttp: boolean;
  /**
   * Set when an accepted run is not a verdict yet: the Plane object settles it later (async
   * inference), at the latest this many seconds after the run started. Its results then
   * always reach the Plane object at once.
   */
  settlesLater?: { deadlineSeconds(probe: z.infer<S>): number };
  /** Its target calls the mesh back, at PUBLIC_URL: readiness fails without one. */
  needsPublicUrl?: boolean;
  pushed?: undefined;
}

/** A kind whose target reports to the mesh (heartbeats): never run from a region; the Plane object judges it. */
export interface PushedKindSpec<S extends KindSchema = KindSchema> extends DeclaredSpec<S> {
  pushed: true;
  run?: undefined;
}

/** A declaration that stands for several probes of real kinds (http_tiers), expanded when the config loads. */
export interface ShorthandSpec<S extends KindSchema = KindSchema, P = unknown> extends DeclaredSpec<S> {
  /** The names of the probes it stands for. */
  names(declared: z.infer<S>): string[];
  expand(declared: z.infer<S>): P[];
}
