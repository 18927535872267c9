import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startLocalServices } from "@/dev/start-local-services";
import { LOCAL } from "@/lib/config/local-defaults";
import { loadConfig } from "@/lib/config/schema";

// `next dev` compiles each route on first request: minutes on a busy 2-core machine.
const STARTUP_TIMEOUT_MS = 8 * 60_000;
const REQUEST_TIMEOUT_MS = 4 * 60_000;

const children: ChildProcess[] = [];
const dataDirs: string[] = [];

afterAll(async () => {
  await Promise.all(children.map((child) => stopGroup(child)));
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("npm run dev on a port of its own", () => {
  it(
    "serves the app there, with the local issuer and Stripe sandbox on free ports it is configured with",
    async (context) => {
      // One `next dev` per checkout: it locks .next/dev, and a developer's own server may hold it.
      const running = runningDevServer();
      if (running) {
        console.warn(`skipped: a next dev server (pid ${running.pid}) runs in this checkout`);
        context.skip();
      }
      const port = await freePort();
      const dataDir = mkdtempSync(path.join(tmpdir(), "tollgate-dev-"));
      dataDirs.push(dataDir);
      const dev = startDev({ PORT: String(port), PGLITE_DATA_DIR: dataDir });
      const appUrl = `http://localhost:${port}`;

      await waitFor(dev, async () => (await fetch(`${appUrl}/__health`)).status === 200);
      const issuerUrl = dev.match(/\[local\] Auth0-compatible issuer on (\S+)/);
      const stripeUrl = dev.match(/\[local\] Stripe sandbox on (\S+)/);
      const mailPage = dev.match(/\[local\] Mail catcher on smtp:\/\/\S+ \(received mail at (\S+)\)/);
      const ports = [issuerUrl, stripeUrl, mailPage].map((url) => Number(new URL(url).port));
      expect(ports).not.toContain(Number(new URL(LOCAL.issuerUrl).port));
      expect(ports).not.toContain(Number(new URL(LOCAL.stripeApiUrl).port));
      expect(ports).not.toContain(port);
      expect(ports).not.toContain(Number(new URL(LOCAL.mailCatcherUrl).port));
      expect(
        ((await (await fetch(`${mailPage}/messages`)).json()) as { messages: unknown[] }).messages,
      ).toEqual([]);

      const openapi = await fetch(`${appUrl}/api/openapi.json`, { signal: timeout() });
      expect(openapi.status).toBe(200);
      expect(((await openapi.json()) as { openapi: string }).openapi).toMatch(/^3\.1\./);

      const discovery = await fetch(`${issuerUrl}.well-known/openid-configuration`);
      expect(((await discovery.json()) as { issuer: string }).issuer).toBe(issuerUrl);
      // The dev script set up the plans through the app's configuration: it is in this sandbox.
      const products = await fetch(`${stripeUrl}/v1/products`, {
        headers: { authorization: `Bearer ${LOCAL.stripeSecretKey}` },
      });
      expect(((await products.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);

      // Sign-in goes to this issuer and comes back to this port.
      const login = await fetch(`${appUrl}/auth/login`, { redirect: "manual", signal: timeout() });
      expect(login.status).toBe(307);
      const authorize = new URL(login.headers.get("location") ?? "");
      expect(authorize.origin).toBe(new URL(issuerUrl).origin);
      expect(authorize.searchParams.get("redirect_uri")).toBe(`${appUrl}/auth/callback`);

      // The gate exchanges Basic credentials at this issuer and trusts the tokens it signs.
      const widgets = await fetch(`${appUrl}/api/v1/widgets`, {
        headers: {
          authorization: `Basic ${Buffer.from("demo-reader:demo-reader-secret").toString("base64")}`,
        },
        signal: timeout(),
      });
      expect(widgets.status, dev.output()).toBe(200);

      await stopGroup(dev.child);
      expect(groupAlive(dev.child)).toBe(false);
    },
    STARTUP_TIMEOUT_MS + 4 * REQUEST_TIMEOUT_MS,
  );
});

describe("the local services beside npm run dev", () => {
  it("move to free ports when their usual ones are taken, and stay where an address is configured", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const address = taken.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const config = loadConfig({
      TOLLGATE_LOCAL_ISSUER_URL: `http://localhost:${port}/`,
      TOLLGATE_LOCAL_STRIPE_URL: `http://localhost:${port}`,
      TOLLGATE_LOCAL_SMTP_URL: `smtp://localhost:${port}`,
    });
    try {
      const moved = await startLocalServices(config, {
        stateFile: null,
        ports: { issuer: "configured-or-free", stripe: "configured-or-free", mail: "configured-or-free" },
      });
      await moved.close();
      for (const url of [moved.urls.issuer, moved.urls.stripe, moved.urls.smtp]) {
        expect(Number(new URL(url ?? "").port)).not.toBe(port);
      }
      await expect(
        startLocalServices(config, { stateFile: null, ports: { issuer: "configured" } }),
      ).rejects.toMatchObject({ code: "EADDRINUSE" });
    } finally {
      taken.close();
    }
  });
});

interface Dev {
  child: ChildProcess;
  output(): string;
  /** The first group of `pattern` in the output; throws when it is not there. */
  match(pattern: RegExp): string;
}

/** `npm run dev` in a process group of its own, so that it can be stopped with all it started. */
function startDev(settings: Record<string, string>): Dev {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing of this process's configuration (a developer's shell, vitest's NODE_ENV) reaches it.
  const ignored =
    /^(AUTH0_|STRIPE_|DATABASE_URL|APP_BASE_URL|TOLLGATE_|GATE_|PGLITE_|REDIS_URL|SMTP_URL$|EMAIL_FROM$|VITEST|NODE_ENV$|PORT$)/;
  for (const name of Object.keys(env)) if (ignored.test(name)) delete env[name];
  Object.assign(env, { LOG_LEVEL: "warn", USAGE_REPORT_INTERVAL_SECONDS: "0", ...settings });
  // The tests run beside others that import the generated client: leave it alone when it exists.
  const flags = existsSync("lib/generated/prisma") ? ["--ephemeral", "--skip-generate"] : ["--ephemeral"];
  const child = spawn("npm", ["run", "dev", "--", ...flags], {
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  return {
    child,
    output: () => output,
    match(pattern) {
      const found = pattern.exec(output)?.[1];
      if (!found) throw new Error(`${pattern} not in the output of npm run dev:\n${output}`);
      return found;
    },
  };
}

async function waitFor(dev: Dev, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (dev.child.exitCode !== null || dev.child.signalCode !== null) {
      throw new Error(`npm run dev exited (${dev.child.exitCode ?? dev.child.signalCode}):\n${dev.output()}`);
    }
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new Error(`npm run dev did not answer within ${STARTUP_TIMEOUT_MS / 1000} s:\n${dev.output()}`);
}

const timeout = () => AbortSignal.timeout(REQUEST_TIMEOUT_MS);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

/** Whether any process of the child's group still runs. */
function groupAlive(child: ChildProcess): boolean {
  if (!child.pid) return false;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the whole group (npm, tsx, next dev and its server), then SIGKILL to what is left. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (!child.pid || !groupAlive(child)) return;
  process.kill(-child.pid, "SIGTERM");
  const deadline = Date.now() + 20_000;
  while (groupAlive(child) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  if (groupAlive(child)) process.kill(-child.pid, "SIGKILL");
  if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
}

/** The `next dev` server that holds this checkout's .next/dev lock, if one runs. */
function runningDevServer(): { pid: number } | undefined {
  try {
    const info = JSON.parse(readFileSync(".next/dev/lock", "utf8")) as { pid: number };
    process.kill(info.pid, 0);
    return info;
  } catch (error) {
    return error instanceof Error && "code" in error && error.code === "EPERM" ? { pid: -1 } : undefined;
  }
}
