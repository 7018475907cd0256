import type { TestProject } from "vitest/node";
import { startServers, type ServerPorts } from "./servers.ts";

declare module "vitest" {
  export interface ProvidedContext {
    servers: ServerPorts;
  }
}

/** Starts the real servers (Redis, PostgreSQL, gRPC, TCP, HTTP) once for the workerd test project. */
export default async function setup(project: TestProject) {
  const servers = await startServers();
  project.provide("servers", servers.ports);
  return () => servers.stop();
}
