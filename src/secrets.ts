import { redactSecrets, type Env } from "./env.ts";

/**
 * Errors are logged through here: an error's text can carry anything (a URL with a webhook
 * token, a header a plane echoed back), and no secret value or credential may reach a log.
 */
export function logError(env: Env, message: string): void {
  console.error(redactSecrets(env)(message));
}
