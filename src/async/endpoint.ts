import type { Env } from "../env.ts";
import { planeStub } from "../objects/stubs.ts";

/**
 * Opens a webhook endpoint for one async request about to be submitted: the plane's object
 * issues the token (src/async/token.ts) and arms the request's deadline. The URL is on this
 * mesh, under PUBLIC_URL; without it the platform would have no address to call back.
 */
export async function openWebhookEndpoint(
  env: Env,
  plane: string,
  request: { region: string; probe: string; submittedAt: number; deadline: number },
): Promise<{ url: string; nonce: string }> {
  if (!env.PUBLIC_URL) throw new Error("PUBLIC_URL is not set: the platform would have no address to call back");
  const ticket = await planeStub(env, plane).openAsync(plane, request.region, request.probe, request.submittedAt, request.deadline);
  return { nonce: ticket.nonce, url: `${env.PUBLIC_URL.replace(/\/+$/, "")}/webhooks/async/${plane}/${ticket.token}` };
}
