/** The planes config the workerd tests run with, pointed at the loopback target. */
export function testPlanesConfig(targetPort: number) {
  const base = `http://127.0.0.1:${targetPort}`;
  const predict = { kind: "sync_predict", input: { text: "ping" }, expect: { json: { status: "ok", echo: { text: "ping" } } } };
  return {
    planes: [
      {
        id: "good",
        baseUrl: `${base}/ok`,
        apiKeySecret: "TARGET_API_KEY",
        regions: ["wnam", "weur", "apac"],
        probes: [predict, { kind: "http", name: "healthz", url: "/healthz", periodSeconds: 60 }],
      },
      { id: "broken", baseUrl: `${base}/fail`, apiKeySecret: "TARGET_API_KEY", regions: ["wnam", "weur"], probes: [predict] },
      { id: "keyless", baseUrl: `${base}/ok`, apiKeySecret: "UNSET_SECRET", regions: ["enam"], probes: [predict] },
      // Probed every second once its hour-long initial delay is over: the Prober test travels there in time.
      {
        id: "frequent",
        regions: ["enam"],
        probes: [
          { kind: "http", name: "up", url: `${base}/ok/healthz`, periodSeconds: 1, initialDelaySeconds: 3600 },
          { kind: "http", name: "down", url: `${base}/unready/healthz`, periodSeconds: 1, initialDelaySeconds: 3600 },
        ],
      },
      // Async requests are opened and reported by the tests themselves; the target answers their status.
      ...["async-a", "async-b"].map((id) => ({
        id,
        baseUrl: `${base}/async`,
        webhookSecret: "TEST_WEBHOOK_SECRET",
        regions: ["wnam", "weur"],
        probes: [
          {
            kind: "async_predict",
            input: { text: "ping" },
            expect: { output: { status: "ok" } },
            periodSeconds: 3600,
            initialDelaySeconds: 3600,
            pollIntervalSeconds: 0.2,
          },
        ],
      })),
    ],
  };
}

/**
 * A plane of the plane simulator as the end-to-end tests run it: three regions, a sync predict
 * and a readiness probe every 5 s, the key in the DEMO_API_KEY secret.
 */
export function simulatorPlane(simulator: string, id: string, timeoutSeconds = 5) {
  return {
    id,
    baseUrl: `${simulator}/planes/${id}`,
    apiKeySecret: "DEMO_API_KEY",
    regions: ["wnam", "weur", "apac"],
    probes: [
      {
        kind: "sync_predict",
        input: { text: "ping" },
        expect: { json: { status: "ok", echo: { text: "ping" } } },
        periodSeconds: 5,
        timeoutSeconds,
      },
      { kind: "http", name: "readyz", url: "/healthz/readyz", periodSeconds: 5, timeoutSeconds },
    ],
  };
}
