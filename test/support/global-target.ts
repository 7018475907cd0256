import type { TestProject } from "vitest/node";
import { startTarget } from "./target.ts";

declare module "vitest" {
  export interface ProvidedContext {
    targetPort: number;
  }
}

/** Starts the loopback target once for the workerd test project. */
export default async function setup(project: TestProject) {
  const { server, port } = await startTarget();
  project.provide("targetPort", port);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // the hanging and dripping routes never end by themselves
    });
}
