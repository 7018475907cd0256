/**
 * A target that misbehaves below HTTP, written on raw TCP so that each byte is the test's
 * choice: a gigabyte body, headers that never end, a body cut short, bytes that are not
 * UTF-8, JSON that is not JSON, a redirect loop; and one calm path for the planes that must
 * not notice the others. Loopback only. Each connection answers one request and closes.
 */
import { createServer, type Server, type Socket } from "node:net";

const GIGABYTE = 1024 ** 3;
const CHUNK = Buffer.alloc(64 * 1024, "x");

function head(status: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ connection: "close", ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
  return `HTTP/1.1 ${status}\r\n${lines.join("")}\r\n`;
}

/** Writes `next()` for as long as the peer reads, until it returns null or the peer goes. */
function flood(socket: Socket, next: () => Buffer | string | null): void {
  const pump = () => {
    for (;;) {
      if (socket.destroyed) return;
      const chunk = next();
      if (chunk === null) return void socket.end();
      if (!socket.write(chunk)) return void socket.once("drain", pump);
    }
  };
  pump();
}

/** Path → what is sent on the connection that asked for it. */
export const HOSTILE_PATHS: Record<string, (socket: Socket) => void> = {
  "/calm": (socket) => socket.end(`${head("200 OK", { "content-length": 2 })}ok`),
  "/gigabyte": (socket) => {
    socket.write(head("200 OK", { "content-type": "text/plain", "content-length": GIGABYTE }));
    let sent = 0;
    flood(socket, () => {
      if (sent >= GIGABYTE) return null;
      sent += CHUNK.length;
      return CHUNK;
    });
  },
  "/endless-headers": (socket) => {
    socket.write("HTTP/1.1 200 OK\r\n");
    let n = 0;
    flood(socket, () => `x-filler-${n++}: ${"y".repeat(100)}\r\n`);
  },
  "/cut-body": (socket) => {
    socket.write(`${head("200 OK", { "content-type": "text/plain", "content-length": 1024 * 1024 })}${"z".repeat(10_000)}`);
    setTimeout(() => socket.destroy(), 100);
  },
  "/not-utf8": (socket) => {
    const body = Buffer.concat([Buffer.from('{"ready":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    socket.end(Buffer.concat([Buffer.from(head("200 OK", { "content-type": "application/json", "content-length": body.length })), body]));
  },
  "/not-json": (socket) => {
    const body = '{"ready": tru';
    socket.end(`${head("200 OK", { "content-type": "application/json", "content-length": body.length })}${body}`);
  },
  "/redirect-loop": (socket) => socket.end(head("302 Found", { location: "/redirect-loop", "content-length": 0 })),
};

export interface HostileTarget {
  url: string;
  /** Requests received, by path (the redirect loop's count shows where the probe stopped). */
  requests: Record<string, number>;
  close(): Promise<void>;
}

export async function startHostileTarget(): Promise<HostileTarget> {
  const requests: Record<string, number> = {};
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {}); // the probe hangs up on purpose: nothing to report
    let received = "";
    const onData = (data: Buffer) => {
      received += data.toString("latin1");
      if (!received.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      const path = /^[A-Z]+ (\S+) HTTP/.exec(received)?.[1]?.split("?")[0] ?? "";
      requests[path] = (requests[path] ?? 0) + 1;
      const answer = HOSTILE_PATHS[path];
      if (answer) answer(socket);
      else socket.end(head("404 Not Found", { "content-length": 0 }));
    };
    socket.on("data", onData);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    close: () =>
      new Promise((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}
