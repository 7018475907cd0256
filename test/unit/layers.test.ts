/**
 * Layers depend one way: generic helpers on nothing of the project, the pure status core on
 * helpers only, probes and rendering on the core, and the HTTP routes on objects only through
 * their stubs. Read from the sources, so a new import against the grain fails here.
 */
import { describe, expect, it } from "vitest";

const SOURCES = import.meta.glob<string>("../../src/**/*.ts", { query: "?raw", import: "default", eager: true });

/** Every relative import of the project's sources, as (importing file, imported file) under src/. */
function imports(): Array<{ from: string; to: string }> {
  const edges: Array<{ from: string; to: string }> = [];
  for (const [path, text] of Object.entries(SOURCES)) {
    const from = path.replace("../../src/", "");
    for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
      const parts = from.split("/").slice(0, -1);
      for (const step of specifier!.split("/")) {
        if (step === "..") parts.pop();
        else if (step !== ".") parts.push(step);
      }
      edges.push({ from, to: parts.join("/") });
    }
  }
  return edges;
}

const folderOf = (file: string) => (file.includes("/") ? file.split("/")[0]! : file);

/** What each layer may import besides itself: folders of src/ (a path outside src/ starts with ".."). */
const ALLOWED: Record<string, readonly string[]> = {
  lib: [],
  status: ["lib"],
  probes: ["lib", "status"],
  render: ["lib", "status", "probes", "config"],
  storage: ["lib", "status"],
};

describe("layers", () => {
  it("reads the sources", () => {
    expect(Object.keys(SOURCES).length).toBeGreaterThan(50);
  });

  it.each(Object.entries(ALLOWED))("%s imports only %j of the project", (layer, allowed) => {
    const against = imports()
      .filter(({ from }) => folderOf(from) === layer)
      .filter(({ to }) => folderOf(to) !== layer && !allowed.includes(folderOf(to)))
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(against).toEqual([]);
  });

  it("the HTTP surface reaches Durable Objects only through their stubs", () => {
    const against = imports()
      .filter(({ from, to }) => folderOf(from) === "http" && folderOf(to) === "objects" && to !== "objects/stubs.ts")
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(against).toEqual([]);
  });
});
