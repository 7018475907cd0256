/**
 * Section 7, streamed chat completions: a Node target serves the simulator's chat completions
 * (simulator/chat.ts) with an injected time to first token (0, 100, 500, 2,000 ms) or pace
 * (20 and 100 tokens a second), on an exact schedule from each request's arrival; the mesh's
 * probe_llm_time_to_first_token_seconds and probe_llm_tokens_per_second (from /metrics) are set
 * against what was injected. As in section 2, no two probes run in the same second.
 */
import { createServer, type Server } from "node:http";
import { Readable } from "node:stream";
import { chatCompletion, parseChatRequest } from "../simulator/chat.ts";
import { faultsSchema } from "../simulator/faults.ts";
import { samples as metricSamples, sleep, waitFor, withMesh } from "./common.ts";
import { spread, type Spread } from "./stats.ts";

interface Case {
  /** What the row is: "first token" (ms) or "tokens/s". */
  figure: "timeToFirstToken" | "tokensPerSecond";
  /** The injected truth: milliseconds to the first token, or tokens a second. */
  truth: number;
  firstTokenDelayMs: number;
  tokensPerSecond: number;
  maxTokens: number;
}

/** Fast tokens behind the first-token delays; long enough generations (2 s and 1 s) for the paces. */
const CASES: Case[] = [
  ...[0, 100, 500, 2000].map((ms) => ({
    figure: "timeToFirstToken" as const,
    truth: ms,
    firstTokenDelayMs: ms,
    tokensPerSecond: 100,
    maxTokens: 8,
  })),
  { figure: "tokensPerSecond", truth: 20, firstTokenDelayMs: 0, tokensPerSecond: 20, maxTokens: 41 },
  { figure: "tokensPerSecond", truth: 100, firstTokenDelayMs: 0, tokensPerSecond: 100, maxTokens: 101 },
];

export interface LlmRow {
  figure: Case["figure"];
  truth: number;
  measured: Spread;
}

/** The target: the simulator's chat completions, faults from the query string. */
async function startChatTarget(): Promise<{ url: string; stop: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const arrived = Date.now();
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", async () => {
      const query = new URLSearchParams(req.url?.split("?")[1] ?? "");
      const faults = faultsSchema.parse(Object.fromEntries([...query].map(([k, v]) => [k, Number(v)])));
      const request = parseChatRequest(JSON.parse(body));
      if (typeof request === "string") return void res.writeHead(400).end(request);
      const answer = await chatCompletion(request, faults, arrived);
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.flushHeaders();
      const stream = Readable.fromWeb(answer.body as never);
      res.on("close", () => stream.destroy());
      stream.pipe(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function benchLlm(samples: number): Promise<LlmRow[]> {
  const target = await startChatTarget();
  const planes = CASES.length * samples;
  const caseOf = (i: number) => i % CASES.length;
  const config = JSON.stringify({
    planes: Array.from({ length: planes }, (_, i) => {
      const c = CASES[caseOf(i)]!;
      return {
        id: `llm-${caseOf(i)}-${Math.floor(i / CASES.length)}`,
        baseUrl: target.url,
        regions: ["wnam"],
        statusTtlSeconds: 3600,
        probes: [
          {
            kind: "chat_completions",
            name: "chat",
            model: "bench-model",
            messages: [{ role: "user", content: "Say pong" }],
            maxTokens: c.maxTokens,
            path: `/v1/chat/completions?firstTokenDelayMs=${c.firstTokenDelayMs}&tokensPerSecond=${c.tokensPerSecond}`,
            periodSeconds: planes,
            initialDelaySeconds: i,
            timeoutSeconds: 10,
          },
        ],
      };
    }),
  });
  const measured = new Map<number, number[]>(CASES.map((_, i) => [i, []]));
  try {
    await withMesh({ PLANES_CONFIG: config }, async (mesh) => {
      await mesh.tick();
      const seen = new Set<string>();
      await waitFor(
        `${samples} samples of each LLM case`,
        async () => {
          const text = await (await fetch(`${mesh.url}/metrics`)).text();
          const ranAt = new Map(metricSamples(text, "planewatch_probe_last_run_timestamp_seconds").map((s) => [s.labels.plane, s.value]));
          const figures = {
            timeToFirstToken: metricSamples(text, "probe_llm_time_to_first_token_seconds"),
            tokensPerSecond: metricSamples(text, "probe_llm_tokens_per_second"),
          };
          for (const [i, c] of CASES.entries()) {
            for (const s of figures[c.figure]) {
              const match = /^llm-(\d+)-/.exec(s.labels.plane ?? "");
              const key = `${s.labels.plane}@${ranAt.get(s.labels.plane)}`;
              if (Number(match?.[1]) !== i || seen.has(key)) continue;
              seen.add(key);
              measured.get(i)!.push(c.figure === "timeToFirstToken" ? s.value * 1000 : s.value);
            }
          }
          await sleep(500);
          return [...measured.values()].every((v) => v.length >= samples);
        },
        60_000 + planes * 2_000,
      );
    });
  } finally {
    await target.stop();
  }
  return CASES.map((c, i) => ({ figure: c.figure, truth: c.truth, measured: spread(measured.get(i)!) }));
}

/** The allowed error of a figure: 5 ms or 2 % of the truth for times, 2 % for paces. */
export function allowedLlmError(row: LlmRow): number {
  return row.figure === "timeToFirstToken" ? Math.max(5, 0.02 * row.truth) : 0.02 * row.truth;
}
