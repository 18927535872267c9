/**
 * What the rehearsals (`npm run test:deploy`, `npm run test:new-operation`) share: their failure type,
 * progress lines, clean-up on exit, and the dashboard journey a newcomer makes in a real browser.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Page } from "@playwright/test";
import { ensureBrowser } from "./browser";

/** A failed expectation of the document rehearsed: what it said, what happened. */
export class RehearsalError extends Error {
  override name = "RehearsalError";
}

/** Throws a `RehearsalError` with `message` unless `condition` holds. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new RehearsalError(message);
}

/** Every variable the app reads: those `.env.example` in `clone` lists. */
export function appVariablesOf(clone: string): Set<string> {
  return new Set(
    [...readFileSync(join(clone, ".env.example"), "utf8").matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(
      (match) => match[1] ?? "",
    ),
  );
}

/**
 * This process's environment as a newcomer's shell would have it: none of the app's variables, nor
 * npm's, nor the test knobs of this repository, so nothing of this machine's configuration leaks in.
 */
export function newcomerEnv(appVariables: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        !appVariables.has(entry[0]) &&
        !["NODE_ENV", "PORT", "VERCEL", "INIT_CWD"].includes(entry[0]) &&
        !entry[0].startsWith("npm_") &&
        !entry[0].startsWith("TOLLGATE_") &&
        !entry[0].startsWith("E2E_"),
    ),
  );
}

/** Progress lines with the time since start, and clean-ups run last-first on exit, failure or signal. */
export class Rehearsal {
  private readonly started = Date.now();
  private readonly cleanups: Array<{ name: string; run: () => Promise<void> | void }> = [];

  constructor() {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        console.error(`\n${signal}: cleaning up`);
        void this.cleanUp().finally(() => process.exit(130));
      });
    }
  }

  elapsed = () => `${Math.round((Date.now() - this.started) / 1000)} s`;
  step = (name: string) => console.log(`\n▶ ${name} (${this.elapsed()})`);
  note = (line: string) => console.log(`  · ${line}`);
  onCleanup = (name: string, run: () => Promise<void> | void) => this.cleanups.unshift({ name, run });

  /** Runs every clean-up once, logging (not throwing) the ones that fail. */
  async cleanUp(): Promise<void> {
    for (const { name, run } of this.cleanups.splice(0)) {
      try {
        await run();
      } catch (error) {
        console.error(
          `  cleanup "${name}" failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  /** Runs `main`, cleans up, and prints the verdict; exits 1 on failure. */
  async run(main: () => Promise<void>, success: string): Promise<void> {
    try {
      await main();
      await this.cleanUp();
      console.log(`\n✔ ${success} in ${this.elapsed()}`);
    } catch (error) {
      console.error(`\n✗ ${error instanceof Error ? error.message : String(error)}`);
      if (!(error instanceof RehearsalError) && error instanceof Error && error.stack)
        console.error(error.stack);
      await this.cleanUp();
      process.exit(1);
    }
  }
}

/**
 * A newcomer on the dashboard at `appBaseUrl`, in Chromium: each step is named in the log, and a failed
 * one leaves a screenshot in `artifacts`.
 */
export async function openDashboard(
  rehearsal: Rehearsal,
  { appBaseUrl, artifacts, https = false }: { appBaseUrl: string; artifacts: string; https?: boolean },
) {
  const browser = await chromium.launch({
    executablePath: ensureBrowser(rehearsal.note),
    args: [
      "--no-sandbox",
      "--disable-background-networking",
      "--no-first-run",
      ...(https ? ["--ignore-certificate-errors"] : []),
    ],
  });
  rehearsal.onCleanup("close the browser", () => browser.close());
  const page: Page = await (
    await browser.newContext({ ignoreHTTPSErrors: https, baseURL: appBaseUrl })
  ).newPage();
  page.setDefaultTimeout(120_000);

  async function inBrowser<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      rehearsal.note(`browser: ${what}`);
      return result;
    } catch (error) {
      await page.screenshot({ path: join(artifacts, "failure.png"), fullPage: true }).catch(() => undefined);
      throw new RehearsalError(
        `browser, ${what}: ${error instanceof Error ? error.message : String(error)} (screenshot in ${artifacts})`,
      );
    }
  }

  /** Opens API access, runs `before` (checks of the form), then fills `label` with `name` and presses `button`. */
  async function submitOnApiPage(before: () => Promise<void>, label: string, name: string, button: string) {
    await page.goto("/dashboard/api");
    await before();
    await page.getByLabel(label).fill(name);
    await page.getByRole("button", { name: button }).click();
  }

  return {
    page,
    inBrowser,
    /** Signs in as Carol, a newcomer, on the issuer's login page (at `issuerOrigin`, when known). */
    signInAsCarol: (what: string, issuerOrigin?: string) =>
      inBrowser(what, async () => {
        await page.goto("/dashboard");
        await page.waitForURL(
          (url) =>
            (issuerOrigin === undefined || url.origin === issuerOrigin) &&
            url.pathname.startsWith("/interaction/"),
        );
        await page.getByRole("button", { name: /Continue as Carol Newcomer/ }).click();
        await page.waitForURL((url) => url.origin === appBaseUrl && url.pathname === "/dashboard");
        await page.getByTestId("plan-name").filter({ hasText: "Free" }).waitFor();
      }),
    /** Upgrades to Pro through the Stripe (sandbox) Checkout page (at `checkoutOrigin`, when known). */
    upgradeToPro: (what: string, checkoutOrigin?: string) =>
      inBrowser(what, async () => {
        await page.goto("/dashboard/billing");
        await page.getByRole("button", { name: "Upgrade to Pro" }).click();
        await page.waitForURL(
          (url) =>
            (checkoutOrigin === undefined || url.origin === checkoutOrigin) &&
            url.pathname.startsWith("/checkout/"),
        );
        await page.getByRole("button", { name: "Pay and subscribe" }).click();
        await page.waitForURL(
          (url) => url.origin === appBaseUrl && url.searchParams.get("checkout") === "success",
        );
      }),
    /**
     * Creates a machine client under API access, after `before` (checks of the form), and returns its
     * id and the secret the page shows once.
     */
    createClient: (what: string, name: string, before: () => Promise<void> = async () => {}) =>
      inBrowser(what, async () => {
        await submitOnApiPage(before, "Client name", name, "Create client");
        await page.getByTestId("new-client").waitFor();
        const clientId = ((await page.getByTestId("new-client-id").textContent()) ?? "").trim();
        const clientSecret = ((await page.getByTestId("new-client-secret").textContent()) ?? "").trim();
        check(clientId && clientSecret, "the dashboard showed no client id and secret");
        return { clientId, clientSecret };
      }),
    /**
     * Creates an API key under API access, after `before` (checks of the form), and returns the key the
     * page shows once.
     */
    createKey: (what: string, name: string, before: () => Promise<void> = async () => {}) =>
      inBrowser(what, async () => {
        await submitOnApiPage(before, "Key name", name, "Create key");
        const key = ((await page.getByTestId("new-key-value").textContent()) ?? "").trim();
        check(/^tg_(test|live)_/.test(key), "the dashboard showed no API key");
        return key;
      }),
  };
}
