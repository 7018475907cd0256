/**
 * A local stand-in for Sentry's ingestion: an HTTP server on 127.0.0.1 that takes envelopes at
 * `POST /api/{project}/envelope/`, parses them by the spec and keeps them for assertions. It
 * can accept (200, as Sentry does), fail (500) or hang (never answer), switchable at run time.
 * `GET /sink/envelopes` lists what it received, for tests running inside workerd.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { parseEnvelope, type ReceivedEnvelope } from "./envelope.ts";

export type SinkMode = "accept" | "fail" | "hang";

export interface SentrySink {
  port: number;
  /** A DSN pointing at the stand-in: `http://<key>@127.0.0.1:<port>/1`. */
  dsn: string;
  received(): ReceivedEnvelope[];
  setMode(mode: SinkMode): void;
  close(): Promise<void>;
}

export const SINK_PUBLIC_KEY = "planewatchtestkey";

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** The key the SDK sent: `?sentry_key=` or `X-Sentry-Auth: Sentry sentry_key=…, …`. */
function publicKey(req: IncomingMessage, url: URL): string | null {
  const fromQuery = url.searchParams.get("sentry_key");
  if (fromQuery) return fromQuery;
  const auth = req.headers["x-sentry-auth"];
  return (typeof auth === "string" && /sentry_key=([^,\s]+)/.exec(auth)?.[1]) || null;
}

export function startSentrySink(): Promise<SentrySink> {
  const received: ReceivedEnvelope[] = [];
  let mode: SinkMode = "accept";
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://sink");
    if (req.method === "GET" && url.pathname === "/sink/envelopes") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received));
      return;
    }
    const route = /^\/api\/([^/]+)\/envelope\/$/.exec(url.pathname);
    if (req.method !== "POST" || !route) {
      res.writeHead(404).end();
      return;
    }
    const body = await readBody(req);
    let envelope: ReceivedEnvelope;
    try {
      envelope = { ...parseEnvelope(body), project: route[1]!, key: publicKey(req, url), raw: body.toString("utf8"), answer: null };
    } catch (error) {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ detail: String(error) }));
      return;
    }
    received.push(envelope);
    if (mode === "hang") return; // the request stays open until the client gives up
    envelope.answer = mode === "accept" ? 200 : 500;
    res
      .writeHead(envelope.answer, { "content-type": "application/json" })
      .end(JSON.stringify(mode === "accept" ? { id: envelope.headers.event_id ?? null } : { detail: "internal error" }));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({
        port,
        dsn: `http://${SINK_PUBLIC_KEY}@127.0.0.1:${port}/1`,
        received: () => [...received],
        setMode: (next) => {
          mode = next;
        },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections(); // hung requests never end by themselves
          }),
      });
    });
  });
}
