import { connect } from "cloudflare:sockets";
import type { PlaneConfig } from "../config/schema.ts";
import type { Env } from "../env.ts";
import type { PulledProbe } from "../probes/registry.ts";
import type { ProbeContext, SecretRef } from "../probes/types.ts";
import { newTrace } from "../probes/wire/trace.ts";
import { readSecret, redactSecrets } from "../secrets.ts";

function secretRef(env: Env, name: string | undefined): SecretRef | undefined {
  return name === undefined ? undefined : { secretName: name, value: readSecret(env, name) };
}

/**
 * The I/O a probe gets in the Workers runtime, for one plane and one run (or one status poll):
 * real fetch and sockets, secrets by name, a deadline `timeoutSeconds` from `started`.
 * `webhookEndpoint` is given by the caller that can open one (the Prober object).
 */
export function probeContext(
  env: Env,
  plane: PlaneConfig,
  probe: PulledProbe,
  started: number,
  webhookEndpoint: () => Promise<string> = () => Promise.reject(new Error("no webhook endpoint can be opened here")),
): ProbeContext {
  const timeoutMs = probe.timeoutSeconds * 1000;
  return {
    baseUrl: plane.baseUrl,
    apiKey: secretRef(env, plane.apiKeySecret),
    webhookSecret: secretRef(env, plane.webhookSecret),
    webhookEndpoint,
    secret: (name) => readSecret(env, name),
    redact: redactSecrets(env),
    trace: newTrace(),
    deadline: started + timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
    fetch: (input, init) => fetch(input, init),
    connect,
  };
}
