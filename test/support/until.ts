export interface UntilOptions {
  timeoutMs?: number;
  /** What to add to the error when it never comes (the mesh's logs, say). */
  context?: () => string;
}

/**
 * Polls `probe` until it returns something other than undefined, and returns that. Tests wait
 * for behaviour this way, never for a fixed time; the bound is generous, for loaded machines.
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, options: UntilOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${options.context ? `\n${options.context()}` : ""}`);
}
