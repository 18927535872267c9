import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";
import { localProductionSecrets } from "./dev/production-secrets";

// The e2e server: a production build (`npm run build` first) on its own port and its own embedded
// database, so it never touches a developer's `npm run dev` data. scripts/test.ts builds and migrates.
const port = Number(process.env.E2E_PORT ?? 3100);
// `npm test` passes the secrets it gave its own sandbox; a bare `npx playwright test` makes fresh ones,
// which both servers below inherit (a production build refuses the published local defaults).
if (!process.env.AUTH0_SECRET || !process.env.STRIPE_WEBHOOK_SECRET)
  Object.assign(process.env, localProductionSecrets());
const baseURL = `http://localhost:${port}`;
const systemChromium = "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: existsSync(systemChromium)
          ? {
              executablePath: systemChromium,
              // As root Chromium needs --no-sandbox; background networking only reaches for Google's
              // hosts, which this offline machine refuses.
              args: [
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
              ],
            }
          : {},
      },
    },
  ],
  webServer: [
    {
      // The local issuer and Stripe sandbox. `npm test` starts them itself (and seeds the database and
      // the sandbox); this only starts them, unseeded, for a bare `npx playwright test`.
      command: "npx tsx --conditions=react-server dev/main.ts --ephemeral",
      url: "http://localhost:4010/.well-known/openid-configuration",
      reuseExistingServer: true,
      timeout: 60_000,
      env: { ...process.env, APP_BASE_URL: baseURL } as Record<string, string>,
    },
    {
      // `npm test` keeps the server's log in a file (E2E_SERVER_LOG) for its log scan.
      command: process.env.E2E_SERVER_LOG
        ? `exec npx next start --port ${port} >> "${process.env.E2E_SERVER_LOG}" 2>&1`
        : `npx next start --port ${port}`,
      url: `${baseURL}/__health`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        ...process.env,
        TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION: "1",
        APP_BASE_URL: baseURL,
      } as Record<string, string>,
    },
  ],
});
