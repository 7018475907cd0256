import { chromium, type Browser } from "playwright-core";
import { systemProgram } from "./system.ts";

/** Debian's headless Chromium, with nothing that reaches the network; undefined where it is missing. */
export async function launchChromium(): Promise<Browser | undefined> {
  const executablePath = systemProgram("chromium", ["/usr/bin/chromium"]);
  if (!executablePath) return undefined;
  return chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
