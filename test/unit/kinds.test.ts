/**
 * What every probe kind of the registry must do, whatever it probes. The cases run over the
 * registry, so a new kind goes through them by being listed there.
 */
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";
import { declaredNames, isPulled, KINDS, runProbe, SHORTHANDS, specOf } from "../../src/probes/registry.ts";
import type { ProbeContext } from "../../src/probes/types.ts";
import { newTrace } from "../../src/probes/wire/trace.ts";
import { reasonOf } from "../../src/status/reasons.ts";

const SECRET = "s3cret-value-only-the-plane-knows";

function validate(probes: unknown[], plane: Record<string, unknown> = { baseUrl: "http://plane.test" }) {
  return validateConfig({ planes: [{ id: "p", regions: ["wnam"], apiKeySecret: "PLANE_KEY", ...plane, probes }] });
}

function parsedPlane(probe: Record<string, unknown>) {
  const result = validate([probe]);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config.planes[0]!;
}

/** A context whose target never answers, unless the case gives its own fetch and connect. */
function context(overrides: Partial<ProbeContext> = {}): ProbeContext {
  const timeoutMs = 300;
  const hangs = () => new Promise<never>(() => {});
  return {
    baseUrl: "http://plane.test",
    apiKey: { secretName: "PLANE_KEY", value: SECRET },
    webhookSecret: undefined,
    webhookEndpoint: async () => "http://mesh.test/webhooks/async/p/token",
    secret: () => SECRET,
    redact: (text) => text.split(SECRET).join("[Filtered]"),
    trace: newTrace(),
    deadline: Date.now() + timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
    fetch: hangs,
    connect: (() => ({
      opened: hangs(),
      closed: hangs(),
      close: async () => {},
      readable: new ReadableStream(),
      writable: new WritableStream(),
    })) as never,
    ...overrides,
  };
}

describe.each(KINDS.map((spec) => [spec.kind, spec] as const))("the %s kind", (kind, spec) => {
  it("names itself in its schema and has a line for the docs", () => {
    expect(spec.schema.shape.kind.value).toBe(kind);
    expect(spec.summary.length).toBeGreaterThan(20);
  });

  it("takes its example, named after the kind, critical, with timing and thresholds", () => {
    const probe = parsedPlane(spec.example).probes[0]!;
    expect(probe.kind).toBe(kind);
    expect(declaredNames(probe)).toEqual([(spec.example.name as string | undefined) ?? kind]);
    expect(probe).toMatchObject({ critical: true, initialDelaySeconds: 0 });
    for (const field of ["periodSeconds", "failureThreshold", "successThreshold"] as const) expect(probe[field]).toBeGreaterThanOrEqual(1);
  });

  it("is held to what it says it needs of its plane when the plane has no baseUrl", () => {
    const needs = spec.needs?.(parsedPlane(spec.example).probes[0] as never) ?? {};
    const result = validate([spec.example], {});
    const paths = result.ok ? [] : result.problems.map((p) => p.path);
    expect(paths.includes("planes[0].baseUrl")).toBe(needs.baseUrl === true);
  });

  it.runIf(!("pushed" in spec && spec.pushed))("returns a failing, registered verdict when the target never answers", async () => {
    const probe = parsedPlane(spec.example).probes[0]!;
    if (!isPulled(probe)) throw new Error("a pulled kind");
    // A hang past the deadline would fail this case by its own timeout: runProbe must cut it off.
    const outcome = await runProbe(probe, context());
    expect(outcome.ok).toBe(false);
    expect(reasonOf(outcome.reason)?.status).toBe("FAILED");
  });

  it.runIf(!("pushed" in spec && spec.pushed))("keeps a secret its target quotes out of the message", async () => {
    const probe = parsedPlane(spec.example).probes[0]!;
    if (!isPulled(probe)) throw new Error("a pulled kind");
    const refusal = () => Promise.reject(new Error(`connection refused by ${SECRET}`));
    const outcome = await runProbe(
      probe,
      context({
        fetch: refusal,
        connect: (() => {
          throw new Error(`connection refused by ${SECRET}`);
        }) as never,
      }),
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.message).not.toContain(SECRET);
    expect(reasonOf(outcome.reason)).toBeDefined();
  });

  it("is the spec the registry answers for its probes", () => {
    expect(specOf(parsedPlane(spec.example).probes[0]!)).toBe(spec);
  });
});

describe.each(SHORTHANDS.map((spec) => [spec.kind, spec] as const))("the %s shorthand", (_kind, spec) => {
  it("expands into probes of registered kinds, with the names it announces", () => {
    const probes = parsedPlane(spec.example).probes;
    expect(probes.map((p) => p.name)).toEqual(spec.names(spec.schema.parse(spec.example)));
    for (const probe of probes) expect(KINDS.map((k) => k.kind)).toContain(probe.kind);
  });
});
