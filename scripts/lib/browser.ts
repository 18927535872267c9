import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium } from "@playwright/test";

/** Debian's Chromium, used where Playwright cannot download its own browser (offline CI). */
export const SYSTEM_CHROMIUM = "/usr/bin/chromium";

/**
 * Makes sure a Chromium is available for the browser tests: Debian's when present, else Playwright's
 * own, installing one if neither is there. Returns the executable to launch (undefined: Playwright's).
 */
export function ensureBrowser(log: (line: string) => void = console.log): string | undefined {
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  if (existsSync(chromium.executablePath())) return undefined;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync("/usr/bin/apt-get")) {
    log("No browser found: installing Debian's chromium (apt-get)...");
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit" });
    return SYSTEM_CHROMIUM;
  }
  log("No browser found: installing Playwright's Chromium (npx playwright install chromium)...");
  execFileSync("npx", ["playwright", "install", "chromium"], { stdio: "inherit" });
  return undefined;
}
