/**
 * A plain HTTP server on 127.0.0.1 that behaves in every way a probe must cope with: healthy,
 * failing, refusing the key, missing the model, hanging, dripping, flooding. Started by the
 * tests' global setup; never a real platform, always loopback.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { chatCompletion, parseChatRequest } from "../../simulator/chat.ts";
import { faultsSchema } from "../../simulator/faults.ts";

export const TARGET_API_KEY = "target-test-key";
export const TEST_WEBHOOK_SECRET = "test-webhook-secret";

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => resolve(body));
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
}

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

let submitted = 0;

const ROUTES: Record<string, Handler> = {
  "POST /ok/predict": async (req, res) => {
    if (req.headers.authorization !== `Api-Key ${TARGET_API_KEY}`) return json(res, 401, { error: "bad key" });
    json(res, 200, { status: "ok", echo: JSON.parse(await readBody(req)) });
  },
  "POST /wrong/predict": (_req, res) => json(res, 200, { status: "degraded" }),
  "POST /fail/predict": (_req, res) => json(res, 500, { error: "boom" }),
  "POST /missing/predict": (_req, res) => json(res, 404, { error: { code: "MODEL_DOES_NOT_EXIST" } }),
  "POST /gone/predict": (_req, res) => json(res, 400, { errors: [{ code: "MODEL_DOES_NOT_EXIST", message: "no model" }] }),
  // Accepts every async request, numbered.
  "POST /async/async_predict": (_req, res) => json(res, 201, { request_id: `submitted-${++submitted}` }),
  "GET /ok/healthz": (_req, res) => res.writeHead(200).end("ok"),
  "GET /unready/healthz": (_req, res) => res.writeHead(503).end("not ready"),
  // Same host: followed. To another host name (localhost, not 127.0.0.1): judged as it came.
  "GET /redirect": (_req, res) => res.writeHead(302, { location: "/ok/healthz" }).end(),
  "GET /redirect-away": (req, res) => res.writeHead(302, { location: `http://localhost:${req.socket.localPort}/ok/healthz` }).end(),
  "GET /redirect-loop": (_req, res) => res.writeHead(302, { location: "/redirect-loop" }).end(),
  // Promises a kilobyte, sends ten bytes, closes.
  "GET /cut": (_req, res) => {
    res.writeHead(200, { "content-length": "1024" }).write("0123456789");
    setTimeout(() => res.destroy(), 50);
  },
  // JSON in every way but one: a byte that is not UTF-8 inside a string.
  "GET /not-utf8": (_req, res) =>
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(Buffer.concat([Buffer.from('{"ready":"'), Buffer.from([0xff]), Buffer.from('"}')])),
  "GET /json": (_req, res) => json(res, 200, { model: { ready: true, replicas: [1, 2] }, "odd key": "x" }),
  "GET /big": (_req, res) => res.writeHead(200).end("x".repeat(2 * 1024 * 1024)),
  "GET /echo-headers": (req, res) => json(res, 200, req.headers),
  // Streams its answer: headers at once, the first half of the body after 100 ms, the rest 200 ms later.
  "POST /stream/predict": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.flushHeaders();
    const first = setTimeout(() => res.write('{"status":'), 100);
    const rest = setTimeout(() => res.end('"ok"}'), 300);
    res.on("close", () => {
      clearTimeout(first);
      clearTimeout(rest);
    });
  },
  // Accepts and never answers.
  "GET /hang": () => {},
  "POST /hang/predict": () => {},
  // Headers at once, then one byte every 200 ms, for a minute.
  "GET /drip": (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    const timer = setInterval(() => res.write("."), 200);
    const end = setTimeout(() => {
      clearInterval(timer);
      res.end();
    }, 60_000);
    res.on("close", () => {
      clearInterval(timer);
      clearTimeout(end);
    });
  },
};

/**
 * The simulator's chat completions, with its faults from the query string
 * (`?firstTokenDelayMs=300&cutStream=true`), behind `Bearer` (or `Api-Key`) TARGET_API_KEY.
 */
async function chat(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const arrived = Date.now();
  if (req.headers.authorization !== `Bearer ${TARGET_API_KEY}` && req.headers.authorization !== `Api-Key ${TARGET_API_KEY}`) {
    return json(res, 401, { error: { message: "bad key" } });
  }
  const faults = faultsSchema.parse(Object.fromEntries([...query].map(([name, value]) => [name, value === "true" ? true : Number(value)])));
  const request = parseChatRequest(JSON.parse(await readBody(req)));
  if (typeof request === "string") return json(res, 400, { error: { message: request } });
  const answer = await chatCompletion(request, faults, arrived);
  res.writeHead(answer.status, Object.fromEntries(answer.headers));
  res.flushHeaders();
  const body = Readable.fromWeb(answer.body as never);
  res.on("close", () => body.destroy());
  body.pipe(res);
}

/** An async platform whose every request has completed and had its webhook taken. */
const ASYNC_STATUS_PATH = "/async/async_request/";

export function startTarget(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const [path = "", query = ""] = req.url?.split("?") ?? [];
    if (req.method === "POST" && path === "/chat/v1/chat/completions") return void chat(req, res, new URLSearchParams(query));
    if (req.method === "GET" && path.startsWith(ASYNC_STATUS_PATH)) {
      const id = decodeURIComponent(path.slice(ASYNC_STATUS_PATH.length));
      return json(res, 200, { request_id: id, status: "SUCCEEDED", webhook_status: "SUCCEEDED" });
    }
    const route = ROUTES[`${req.method} ${path}`];
    if (!route) return json(res, 404, { error: "no such route" });
    void route(req, res);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}
