import { z } from "zod";
import { KUBERNETES_TIMING, probeFields, secretNameSchema } from "./common.ts";
import { exchange, isExchange, judge } from "./wire/exchange.ts";
import { expectSchema, resolveUrl, urlOrPathSchema } from "./wire/expect.ts";
import { credentialsMissing } from "./outcome.ts";
import type { Prober, PulledKindSpec } from "./types.ts";

const headerValueSchema = z.union([
  z.string(),
  z
    .object({
      secret: secretNameSchema,
      prefix: z.string().default("").describe('Put before the secret value, e.g. "Bearer ".'),
    })
    .strict(),
]);

export const httpProbeSchema = z
  .object({
    kind: z.literal("http"),
    ...probeFields(KUBERNETES_TIMING),
    url: urlOrPathSchema.describe("Absolute URL, or a path joined to the plane's baseUrl."),
    method: z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]).default("GET").describe("The request method."),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "not a valid header name"), headerValueSchema)
      .default({})
      .describe('Request headers; a value may come from a secret: {"secret": "NAME", "prefix": "Bearer "}.'),
    body: z.string().optional().describe("The request body."),
    expect: expectSchema("200-399"),
    maxBodyBytes: z
      .number()
      .int()
      .min(0)
      .max(8 * 1024 * 1024)
      .default(64 * 1024)
      .describe("Most bytes of the answer read and checked."),
  })
  .strict();
export type HttpProbe = z.infer<typeof httpProbeSchema>;

export const probeHttp: Prober<HttpProbe> = async (config, ctx) => {
  const headers = new Headers();
  for (const [name, value] of Object.entries(config.headers)) {
    if (typeof value === "string") {
      headers.set(name, value);
      continue;
    }
    const secret = ctx.secret(value.secret);
    if (secret === undefined) return credentialsMissing(value.secret);
    headers.set(name, value.prefix + secret);
  }
  const ex = await exchange(
    ctx,
    resolveUrl(ctx.baseUrl, config.url),
    { method: config.method, headers, body: config.body },
    config.maxBodyBytes,
  );
  return isExchange(ex) ? judge(config.expect, ex, ctx.redact) : ex;
};

export const http: PulledKindSpec<typeof httpProbeSchema> = {
  kind: "http",
  summary:
    "Any method, headers and body to `url` (absolute, or a path joined to `baseUrl`); checks status and body; follows same-host redirects of GET and HEAD (at most 10), not others.",
  schema: httpProbeSchema,
  example: { kind: "http", name: "readyz", url: "/healthz/readyz", expect: { status: "200-399" } },
  run: probeHttp,
  needs: () => ({ urlFields: ["url"] }),
  speaksHttp: true,
};
