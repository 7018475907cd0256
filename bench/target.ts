/**
 * The fast local target every section probes: a Node HTTP server on 127.0.0.1 that answers
 * `GET /` with 200 at once and `GET /delay/<ms>` after that many milliseconds. It counts the
 * requests it served and the most it had in flight, which is how the mesh's throughput and
 * concurrency are read from outside it.
 */
import { createServer, type Server } from "node:http";

export interface Target {
  url: string;
  /** Requests answered so far. */
  served(): number;
  /** The most requests in flight at once since the last reset. */
  peakInFlight(): number;
  resetPeak(): void;
  stop(): Promise<void>;
}

export async function startTarget(): Promise<Target> {
  let served = 0;
  let inFlight = 0;
  let peak = 0;
  const server: Server = createServer((req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    const answer = () => {
      inFlight--;
      served++;
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    };
    const delay = /^\/delay\/(\d+)$/.exec(req.url ?? "");
    if (delay) setTimeout(answer, Number(delay[1]));
    else answer();
  });
  server.keepAliveTimeout = 60_000;
  // Thousands of Prober objects connect at once after a tick: Node's default backlog (511)
  // would drop connections, and the probes would time out waiting for the target, not the mesh.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: 4_096 }, resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    served: () => served,
    peakInFlight: () => peak,
    resetPeak: () => void (peak = inFlight),
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
