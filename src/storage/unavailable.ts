/**
 * A read of the history that D1 could not answer (locked, overloaded, unreachable). The API
 * answers it 503 with Retry-After, not 500: statuses are still served from the Durable
 * Objects, and the history is complete again once D1 is back (the Plane outboxes keep it).
 */
export class HistoryUnavailable extends Error {
  constructor(cause: unknown) {
    super(`D1 could not be read: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "HistoryUnavailable";
  }
}

/** Runs one D1 read; whatever it throws becomes HistoryUnavailable. */
export async function readingHistory<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new HistoryUnavailable(error);
  }
}
