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
