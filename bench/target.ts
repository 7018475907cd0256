/**
 * The fast local target every section probes: a Node HTTP server on 127.0.0.1 that answers
 * `GET /` with 200 at once and `GET /delay/<ms>` after that many milliseconds. It counts the
 * requests it served and the most it had in flight, which is how the mesh's throughput and
 * concurrency are read from outside it. It can be switched to fail (section 10, detection).
 */
import { createServer, type Server } from "node:http";

export interface Target {
  url: string;
  /** Requests answered so far. */
  served(): number;
  /** The most requests in flight at once since the last reset. */
  peakInFlight(): number;
  resetPeak(): void;
  /** The status every answer has from now on (200 unless switched). */
  answerWith(status: number): void;
  stop(): Promise<void>;
}

/**
 * `keepAliveMs`: how long an idle connection stays open. A mesh whose thousands of objects each
 * probe once a minute opens a connection per object and round (an object's connections go when
 * it is evicted between rounds); kept for a minute, they pile up to the one local process's
 * limit of open files, shared with every object's SQLite files. Such sections keep them a second.
 */
export async function startTarget({ keepAliveMs = 60_000 }: { keepAliveMs?: number } = {}): Promise<Target> {
  let served = 0;
  let inFlight = 0;
  let peak = 0;
  let status = 200;
  const server: Server = createServer((req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    const answer = () => {
      inFlight--;
      served++;
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "failing");
    };
    const delay = /^\/delay\/(\d+)$/.exec(req.url ?? "");
    if (delay) setTimeout(answer, Number(delay[1]));
    else answer();
  });
  server.keepAliveTimeout = keepAliveMs;
  // Thousands of Prober objects connect at once after a tick: Node's default backlog (511)
  // would drop connections, and the probes would time out waiting for the target, not the mesh.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: 4_096 }, resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    served: () => served,
    peakInFlight: () => peak,
    resetPeak: () => void (peak = inFlight),
    answerWith: (code) => void (status = code),
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
