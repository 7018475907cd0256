/** A Server-Sent Events reader for tests: fetch's body, parsed as the EventSource spec says. */
export interface ServerSentEvent {
  event: string;
  id?: string;
  data: string;
  retry?: number;
}

export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let current: Partial<ServerSentEvent> & { data?: string } = {};
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r\n|\n|\r/)) !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
      if (line === "") {
        if (current.data !== undefined)
          yield { event: current.event ?? "message", data: current.data, id: current.id, retry: current.retry };
        current = {};
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") current.data = current.data === undefined ? value : `${current.data}\n${value}`;
      else if (field === "event") current.event = value;
      else if (field === "id") current.id = value;
      else if (field === "retry") current.retry = Number(value);
    }
  }
}

/**
 * Opens an event stream and collects its events until `done` says enough or the time is up;
 * then closes the connection. Returns what was collected.
 */
export async function collectEvents(
  url: string,
  headers: Record<string, string>,
  done: (events: ServerSentEvent[]) => boolean,
  timeoutMs: number,
): Promise<{ response: Response; events: ServerSentEvent[] }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const events: ServerSentEvent[] = [];
  const response = await fetch(url, { headers, signal: abort.signal });
  try {
    for await (const event of serverSentEvents(response.body!)) {
      events.push(event);
      if (done(events)) break;
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return { response, events };
}
