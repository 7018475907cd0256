/** The README is a map: its kinds table and its folder map must match the registry and the tree. */
import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import { KINDS, SHORTHANDS } from "../../src/probes/registry.ts";

const SOURCES = Object.keys(import.meta.glob("../../src/**/*.ts")).map((path) => path.replace("../../", ""));

describe("the README", () => {
  it("lists every probe kind and shorthand of the registry, and no other", () => {
    const table = readme.slice(readme.indexOf("| kind | what it checks |"));
    const listed = [...table.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...KINDS, ...SHORTHANDS].map((spec) => spec.kind).sort());
  });

  it("maps every folder of src/", () => {
    const folders = new Set(
      SOURCES.filter((path) => path.split("/").length > 2).map((path) => `${path.split("/").slice(0, 2).join("/")}/`),
    );
    const missing = [...folders].filter((folder) => !readme.includes(`\`${folder}\``));
    expect(missing).toEqual([]);
  });
});
