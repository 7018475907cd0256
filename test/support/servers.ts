/**
 * The real servers the probe tests run against, all on 127.0.0.1 with random ports: Debian's
 * redis-server (with and without a password), Debian's PostgreSQL, a gRPC health server from
 * npm (Connect, serving native gRPC over h2c and gRPC-Web over HTTP/1.1), plain TCP listeners
 * and an HTTP server whose health flips. A small control server lets a test flip them at run
 * time: stop PostgreSQL, switch a gRPC service to NOT_SERVING, make readiness fail.
 */
import { create, createFileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createH2cServer } from "node:http2";
import { connect as netConnect, createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../scripts/mesh.ts";
import { systemProgram } from "./system.ts";

export const REDIS_PASSWORD = "s3cret-redis-password";

/** Ports of everything started; null where the system program is missing (the tests skip loudly). A type, not an interface: it travels as a JSON binding. */
export type ServerPorts = {
  control: number;
  redis: number | null;
  redisWithPassword: number | null;
  postgres: number | null;
  grpc: number;
  grpcWeb: number;
  tcpBanner: number;
  tcpSilent: number;
  tcpFlood: number;
  http: number;
};

export interface RunningServers {
  ports: ServerPorts;
  stop(): Promise<void>;
}

// ---- gRPC health ------------------------------------------------------------------------------

/** grpc.health.v1 (health.proto), described by hand: two messages, an enum, one method. */
function healthService() {
  const file = create(FileDescriptorProtoSchema, {
    name: "grpc/health/v1/health.proto",
    package: "grpc.health.v1",
    syntax: "proto3",
    messageType: [
      { name: "HealthCheckRequest", field: [{ name: "service", number: 1, type: 9, label: 1, jsonName: "service" }] },
      {
        name: "HealthCheckResponse",
        field: [
          {
            name: "status",
            number: 1,
            type: 14,
            label: 1,
            typeName: ".grpc.health.v1.HealthCheckResponse.ServingStatus",
            jsonName: "status",
          },
        ],
        enumType: [
          {
            name: "ServingStatus",
            value: [
              { name: "UNKNOWN", number: 0 },
              { name: "SERVING", number: 1 },
              { name: "NOT_SERVING", number: 2 },
              { name: "SERVICE_UNKNOWN", number: 3 },
            ],
          },
        ],
      },
    ],
    service: [
      {
        name: "Health",
        method: [{ name: "Check", inputType: ".grpc.health.v1.HealthCheckRequest", outputType: ".grpc.health.v1.HealthCheckResponse" }],
      },
    ],
  });
  return createFileRegistry(file, () => undefined).getService("grpc.health.v1.Health")!;
}

export const SERVING_STATUS = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } as const;

/** A Connect server: native gRPC on an h2c server, gRPC-Web on an HTTP/1.1 server, one status table. */
async function startGrpc(statuses: Map<string, number>) {
  const Health = healthService();
  const routes = (router: ConnectRouter) =>
    router.service(Health, {
      // As grpc-go and grpc-java do: an unknown service is the NOT_FOUND status code, not a reply.
      check(request: { service: string }) {
        const status = statuses.get(request.service);
        if (status === undefined) throw new ConnectError(`unknown service ${request.service}`, Code.NotFound);
        return { status };
      },
    } as never);
  const handler = connectNodeAdapter({ routes, grpc: true, grpcWeb: true, connect: false });
  const h2c = createH2cServer(handler);
  const http1 = createHttpServer(handler);
  const [grpc, grpcWeb] = [await freePort(), await freePort()];
  await new Promise<void>((resolve) => h2c.listen(grpc, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => http1.listen(grpcWeb, "127.0.0.1", resolve));
  return {
    grpc,
    grpcWeb,
    stop: () => {
      http1.closeAllConnections();
      return Promise.all([new Promise((r) => h2c.close(r)), new Promise((r) => http1.close(r))]);
    },
  };
}

// ---- Redis ------------------------------------------------------------------------------------

async function waitForPort(port: number, child: ChildProcess, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = netConnect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
}

async function startRedis(binary: string, password?: string) {
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"];
  if (password) args.push("--requirepass", password);
  const child = spawn(binary, args, { stdio: "ignore" });
  await waitForPort(port, child, "redis-server");
  return { port, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

// ---- PostgreSQL -------------------------------------------------------------------------------

/** Debian puts each major version's programs under /usr/lib/postgresql/N/bin, off the PATH. */
function postgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const initdb = systemProgram(
    "initdb",
    versions.map((v) => join(root, v, "bin", "initdb")),
  );
  return initdb && join(initdb, "..");
}

/** PostgreSQL refuses to run as root: as root (CI), run its programs as the postgres user. */
function asPostgresUser(program: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", program, ...args]] : [program, args];
}

function runPostgresProgram(program: string, args: string[]): void {
  const [command, argv] = asPostgresUser(program, args);
  execFileSync(command, argv, { stdio: "pipe" });
}

/** A StartupMessage (protocol 3.0) for a role and database, as any PostgreSQL client sends first. */
function startupMessage(user: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0postgres\0\0`);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + params.length, 0);
  head.writeInt32BE(196_608, 4);
  return Buffer.concat([head, params]);
}

/** Opens a session (trust authentication) and keeps it open: it holds a smart shutdown off. */
function openSession(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, "127.0.0.1", () => socket.write(startupMessage("postgres")));
    let received = Buffer.alloc(0);
    socket.on("error", reject);
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      // ReadyForQuery: the session is up.
      if (received.includes(Buffer.from([0x5a, 0, 0, 0, 5]))) resolve(socket);
    });
  });
}

/** What a new connection is told first: the first message's bytes. */
function firstAnswer(port: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = netConnect(port, "127.0.0.1", () => socket.write(startupMessage("planewatch")));
    socket.once("data", (chunk) => {
      socket.destroy();
      resolve(chunk);
    });
    socket.once("error", () => resolve(Buffer.alloc(0)));
  });
}

/** Running accepts connections; rejecting is a smart shutdown held off by an open session (new connections get 57P03); stopped is gone. */
export type PostgresState = "running" | "rejecting" | "stopped";

async function startPostgres(bin: string) {
  const dir = mkdtempSync(join(tmpdir(), "planewatch-pg-"));
  chmodSync(dir, 0o700);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  const pgCtl = join(bin, "pg_ctl");
  runPostgresProgram(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = () => runPostgresProgram(pgCtl, ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
  const stop = () => runPostgresProgram(pgCtl, ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"]);
  start();
  let state: PostgresState = "running";
  let session: Socket | undefined;

  const rejectNewConnections = async () => {
    session = await openSession(port);
    runPostgresProgram(pgCtl, ["-D", data, "-m", "smart", "-W", "stop"]);
    const until = Date.now() + 30_000;
    while (!(await firstAnswer(port)).includes("57P03")) {
      if (Date.now() > until) throw new Error("PostgreSQL did not start rejecting connections");
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  /** From any state to stopped. A smart shutdown ends by itself once its last session does. */
  const toStopped = async () => {
    if (state === "running") stop();
    if (state !== "rejecting") return;
    session?.destroy();
    session = undefined;
    const until = Date.now() + 30_000;
    while (existsSync(join(data, "postmaster.pid"))) {
      if (Date.now() > until) throw new Error("PostgreSQL did not finish its smart shutdown");
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    port,
    async setState(wanted: PostgresState) {
      if (wanted === state) return;
      await toStopped();
      if (wanted !== "stopped") start();
      state = wanted;
      if (wanted === "rejecting") await rejectNewConnections();
    },
    stop: async () => {
      await toStopped();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- TCP --------------------------------------------------------------------------------------

async function listen(server: NetServer | Server): Promise<number> {
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return port;
}

/** A TCP server that remembers its connections, so stopping it can end those that never end by themselves. */
function tcpServer(onConnection: (socket: Socket) => void): NetServer & { destroyConnections(): void } {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    onConnection(socket);
  });
  return Object.assign(server, {
    destroyConnections: () => {
      for (const s of sockets) s.destroy();
    },
  });
}

/** Greets with a banner, answers PING with PONG. */
function bannerServer() {
  return tcpServer((socket) => {
    socket.on("error", () => {});
    socket.write("220 planewatch-test ready\r\n");
    socket.on("data", (data) => {
      if (data.toString().includes("PING")) socket.write("+PONG\r\n");
    });
  });
}

/** Accepts and never says a word. */
function silentServer() {
  return tcpServer((socket) => socket.on("error", () => {}));
}

/** Answers anything with an endless stream of bytes. */
function floodServer() {
  return tcpServer((socket) => {
    socket.on("error", () => {});
    const chunk = Buffer.alloc(16 * 1024, "x");
    const pump = () => {
      while (!socket.destroyed && socket.write(chunk));
    };
    socket.on("drain", pump);
    pump();
  });
}

// ---- HTTP with flipping health ----------------------------------------------------------------

/** Kubernetes-style tiered endpoints whose answers a test switches: started, ready, live. */
export interface HttpHealth {
  started: boolean;
  ready: boolean;
  live: boolean;
}

function healthServer(health: HttpHealth): Server {
  const answer = (res: ServerResponse, ok: boolean) => res.writeHead(ok ? 200 : 503).end(ok ? "ok" : "not ok");
  return createHttpServer((req: IncomingMessage, res) => {
    const path = req.url?.split("?")[0];
    if (path === "/livez") return answer(res, health.live);
    if (path === "/readyz") return answer(res, health.ready && health.started);
    if (path === "/healthz") return answer(res, health.started && health.ready && health.live);
    res.writeHead(404).end();
  });
}

// ---- control ----------------------------------------------------------------------------------

/**
 * `PUT /http` with a JSON body of HttpHealth fields, `PUT /grpc/{service}/{STATUS}`,
 * `PUT /postgres/{running|rejecting|stopped}`: the switches a test flips.
 */
function controlServer(switches: {
  health: HttpHealth;
  grpc: Map<string, number>;
  postgres?: { setState(state: PostgresState): Promise<void> };
}): Server {
  return createHttpServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", async () => {
      const [, what, a, b] = (req.url ?? "").split("/");
      try {
        if (req.method !== "PUT") throw new Error("PUT only");
        if (what === "http") Object.assign(switches.health, JSON.parse(body));
        else if (what === "grpc" && a !== undefined && b && b in SERVING_STATUS) {
          switches.grpc.set(decodeURIComponent(a), SERVING_STATUS[b as keyof typeof SERVING_STATUS]);
        } else if (what === "postgres" && switches.postgres && (a === "running" || a === "rejecting" || a === "stopped")) {
          await switches.postgres.setState(a);
        } else throw new Error(`unknown switch ${req.url}`);
        res.writeHead(204).end();
      } catch (error) {
        res.writeHead(400).end((error as Error).message);
      }
    });
  });
}

/** Starts every server; the tests reach them on the ports returned. */
export async function startServers(): Promise<RunningServers> {
  const stops: Array<() => unknown> = [];
  const health: HttpHealth = { started: true, ready: true, live: true };
  const grpcStatuses = new Map<string, number>([
    ["", SERVING_STATUS.SERVING],
    ["inference", SERVING_STATUS.SERVING],
  ]);

  const redisBinary = systemProgram("redis-server");
  const redis = redisBinary ? await startRedis(redisBinary) : undefined;
  const redisWithPassword = redisBinary ? await startRedis(redisBinary, REDIS_PASSWORD) : undefined;
  const pgBin = postgresBin();
  const postgres = pgBin ? await startPostgres(pgBin) : undefined;
  for (const s of [redis, redisWithPassword, postgres]) if (s) stops.push(s.stop);

  const grpc = await startGrpc(grpcStatuses);
  stops.push(grpc.stop);

  const netServers = [bannerServer(), silentServer(), floodServer()];
  const [tcpBanner, tcpSilent, tcpFlood] = await Promise.all(netServers.map(listen));
  const http = healthServer(health);
  const control = controlServer({ health, grpc: grpcStatuses, postgres });
  const [httpPort, controlPort] = [await listen(http), await listen(control)];
  for (const server of [...netServers, http, control]) {
    stops.push(() => new Promise((resolve) => server.close(resolve)));
  }

  return {
    ports: {
      control: controlPort,
      redis: redis?.port ?? null,
      redisWithPassword: redisWithPassword?.port ?? null,
      postgres: postgres?.port ?? null,
      grpc: grpc.grpc,
      grpcWeb: grpc.grpcWeb,
      tcpBanner: tcpBanner!,
      tcpSilent: tcpSilent!,
      tcpFlood: tcpFlood!,
      http: httpPort,
    },
    async stop() {
      // Silent and flooding connections never end by themselves.
      for (const server of netServers) server.destroyConnections();
      await Promise.all(stops.map((stop) => stop()));
    },
  };
}
