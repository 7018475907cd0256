import type { TestProject } from "vitest/node";
import { startSentrySink } from "./sentry-sink.ts";
import { startTarget } from "./target.ts";

declare module "vitest" {
  export interface ProvidedContext {
    targetPort: number;
    sentryDsn: string;
  }
}

/** Starts the loopback target and the Sentry stand-in once for the workerd test project. */
export default async function setup(project: TestProject) {
  const { server, port } = await startTarget();
  const sink = await startSentrySink();
  project.provide("targetPort", port);
  project.provide("sentryDsn", sink.dsn);
  return async () => {
    await sink.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // the hanging and dripping routes never end by themselves
    });
  };
}
