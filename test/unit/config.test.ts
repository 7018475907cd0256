import { describe, expect, it } from "vitest";
import bundled from "../../config/planes.json";
import schemaFile from "../../config/planes.schema.json";
import { configJsonSchema } from "../../src/config/json_schema.ts";
import { quorumOf } from "../../src/config/schema.ts";
import { validateConfig, validateConfigText, type ConfigProblem } from "../../src/config/validate.ts";

const plane = {
  id: "us-east",
  baseUrl: "https://example.test",
  apiKeySecret: "US_EAST_API_KEY",
  regions: ["wnam", "weur", "apac"],
  probes: [{ kind: "sync_predict", input: { x: 1 } }],
};

function problems(config: unknown): ConfigProblem[] {
  const result = validateConfig(config);
  return result.ok ? [] : result.problems;
}

describe("config", () => {
  it("accepts the bundled demo config", () => {
    expect(validateConfig(bundled).ok).toBe(true);
  });

  it("fills defaults: Kubernetes timing for http, once a minute for inference", () => {
    const result = validateConfig({ planes: [{ ...plane, probes: [{ kind: "http", url: "/readyz" }, plane.probes[0]] }] });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const [http, predict] = result.config.planes[0]!.probes;
    expect(http).toMatchObject({ periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1, method: "GET" });
    expect(http).toMatchObject({ expect: { status: "200-399" }, critical: true, initialDelaySeconds: 0 });
    expect(predict).toMatchObject({ periodSeconds: 60, failureThreshold: 1, path: "/predict", expect: { status: 200 } });
    expect(result.config.planes[0]!.statusTtlSeconds).toBe(120);
    expect(quorumOf(result.config.planes[0]!)).toBe(2);
  });

  it("lists every problem with its path", () => {
    expect(
      problems({
        planes: [
          {
            id: "Bad Id",
            regions: ["mars"],
            apiKeySecret: "sk-live-123",
            probes: [
              { kind: "http" },
              { kind: "sync_predict", input: 1, expect: { status: "2xx" } },
              { kind: "carrier-pigeon" },
              { kind: "http", url: "/x", periodSeconds: 0, extra: true },
            ],
          },
        ],
      }).map((p) => p.path),
    ).toEqual([
      "planes[0].id",
      "planes[0].apiKeySecret",
      "planes[0].regions[0]",
      "planes[0].probes[0].url",
      "planes[0].probes[1].expect.status",
      "planes[0].probes[2].kind",
      "planes[0].probes[3].periodSeconds",
      "planes[0].probes[3]",
    ]);
  });

  it("says why in words a user understands", () => {
    const found = problems({ planes: [{ ...plane, apiKeySecret: "sk-live-123", probes: [{ kind: "http" }] }] });
    expect(found).toContainEqual({ path: "planes[0].probes[0].url", message: "required" });
    expect(found.find((p) => p.path === "planes[0].apiKeySecret")?.message).toMatch(/name of a Worker secret/);
  });

  it("checks what spans fields: unique ids and names, quorum, baseUrl", () => {
    const found = problems({
      planes: [
        { ...plane, quorum: 4 },
        {
          ...plane,
          baseUrl: undefined,
          probes: [
            { kind: "sync_predict", input: 1 },
            { kind: "http", url: "/readyz" },
            { kind: "http", url: "/livez" },
          ],
        },
      ],
    });
    expect(found).toEqual([
      { path: "planes[0].quorum", message: "quorum 4 is more than the 3 region(s) listed" },
      { path: "planes[1].id", message: 'duplicate plane id "us-east"' },
      { path: "planes[1].baseUrl", message: 'required by probe "sync_predict" (sync_predict)' },
      { path: "planes[1].probes[1].url", message: "a relative URL needs the plane's baseUrl" },
      { path: "planes[1].probes[2].name", message: 'duplicate probe name "http": give each probe of a kind a distinct name' },
      { path: "planes[1].probes[2].url", message: "a relative URL needs the plane's baseUrl" },
    ]);
  });

  it("refuses text that is not JSON, and an empty config", () => {
    const result = validateConfigText("{planes:");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]!.message).toMatch(/^not valid JSON/);
    expect(problems({ planes: [] })).toEqual([{ path: "planes", message: "declare at least one plane" }]);
    expect(problems({ planes: [plane], plane: [] })).toEqual([{ path: "(root)", message: 'Unrecognized key: "plane"' }]);
  });

  it("ships a JSON Schema generated from the zod schema (run `npm run schema` after changing it)", () => {
    expect(schemaFile).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });
});
