/**
 * `npm run test:deploy`: follows docs/deploy.md as a newcomer would, in a fresh `git clone` of this
 * repository (HEAD), with local services standing in for the accounts, through the production code
 * path (connected mode: Postgres, an Auth0 tenant over HTTPS, a Stripe API):
 *
 * - Postgres: a fresh database on the local server (PG_SERVER_URL, default 127.0.0.1:5432), the app
 *   reaching it through PgBouncer in transaction mode (the pooled URL), migrations directly.
 * - Redis: the machine's own (REHEARSAL_REDIS_URL, default 127.0.0.1:6379).
 * - Auth0: the local issuer over HTTPS with a throw-away certificate, started as an empty tenant that
 *   holds only the Machine to Machine application the document has people make by hand, granted
 *   exactly the scopes it lists.
 * - Stripe: the local sandbox, delivering webhooks to the app, signed with the secret a person would
 *   copy from the dashboard.
 *
 * Every ```sh block of the document runs in order in one shell session; `export` lines of account
 * values get the stand-ins' values, every other command runs as written, and its output is checked.
 * The app is built and started with `npm start` and exactly the variables of step 4, after showing that
 * a missing one is refused by name; the machine client is created and the plan upgraded in a real
 * browser. Everything it started is stopped, and the database dropped, even on failure.
 *
 * Heavy (a production build and a browser): on a shared machine run it under the shared lock,
 * `flock /tmp/tollgate-heavy.lock npm run test:deploy`. Ports are picked free, never the fixed ones.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { lookup } from "node:dns/promises";
import { hostname, networkInterfaces, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createDemoIssuer } from "@/dev/demo-tenant";
import type { LocalIssuer } from "@tollgate/local-auth0";
import { createStripeSandbox, type StripeSandbox } from "@tollgate/stripe-sandbox";
import {
  exportOf,
  machineToMachineScopes,
  parseDeployDoc,
  sectionOf,
  tableVariables,
} from "./lib/deploy-doc";
import { DocShell, type CommandResult } from "./lib/doc-shell";
import { dropDatabase, freshDatabaseUrl } from "./lib/fresh-database";
import { poolerUnavailable, startPooler } from "./lib/pgbouncer";
import {
  appVariablesOf,
  check,
  newcomerEnv,
  openDashboard,
  Rehearsal,
  RehearsalError,
} from "./lib/rehearsal";
import { freePort } from "./lib/system";
import { selfSignedCertificate, type SelfSignedCertificate } from "@tollgate/local-http";

const REPO = resolve(import.meta.dirname, "..");
const ARTIFACTS = join(REPO, "test-results", "deploy-rehearsal");
const PG_SERVER_URL = process.env.PG_SERVER_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
/** The Redis a person would copy the URL of (Upstash, ...): the machine's own. */
const REDIS_URL = process.env.REHEARSAL_REDIS_URL ?? "redis://127.0.0.1:6379";
/** The Machine to Machine application a person creates by hand in the Auth0 dashboard. */
const M2M = {
  clientId: `rehearsal-m2m-${randomBytes(4).toString("hex")}`,
  secret: randomBytes(24).toString("hex"),
};

const rehearsal = new Rehearsal();
const { step, note, onCleanup } = rehearsal;

/**
 * The host name the stand-in tenant is reached by, on port 443, and the address to listen on. Not
 * `localhost`, and no port: outside local mode the Auth0 SDK refuses localhost domains and ignores a
 * port, as no real tenant lives on either. The machine's own name resolves through /etc/hosts to
 * loopback or to one of its own addresses; REHEARSAL_TENANT_HOST names another. Listening on 443 needs
 * root (or CAP_NET_BIND_SERVICE), as CI machines here have.
 */
async function tenantHost(): Promise<{ host: string; address: string }> {
  const host = process.env.REHEARSAL_TENANT_HOST ?? hostname();
  check(
    !/^localhost$|\.localhost$|\.local$/.test(host),
    `REHEARSAL_TENANT_HOST=${host}: the Auth0 SDK refuses localhost and .local domains`,
  );
  const resolved = await lookup(host, { family: 4 }).catch(() => undefined);
  const own = Object.values(networkInterfaces())
    .flat()
    .some((item) => item?.address === resolved?.address);
  check(
    resolved && (resolved.address.startsWith("127.") || own),
    `The stand-in Auth0 tenant needs a host name other than localhost that resolves to this machine; ` +
      `${host} resolves to ${resolved?.address ?? "nothing"}. Add one to /etc/hosts (127.0.0.1 tenant.test) ` +
      "and set REHEARSAL_TENANT_HOST=tenant.test.",
  );
  return { host, address: resolved.address };
}

/** Prints a command and the first lines of what it printed, indented. */
function show(command: string, result: CommandResult, maxLines = 14): void {
  console.log(`  $ ${command.replaceAll("\n", "\n    ")}`);
  const lines = result.output
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("npm warn Unknown user config"));
  for (const line of lines.slice(0, maxLines)) console.log(`    ${line}`);
  if (lines.length > maxLines) console.log(`    ... (${lines.length - maxLines} more lines)`);
  if (result.code !== 0) console.log(`    (exit ${result.code})`);
}

async function main(): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });

  // ---- a fresh clone, as a newcomer has it --------------------------------------------------------
  step("A fresh clone of the repository");
  const workspace = mkdtempSync(join(existsSync("/tmp") ? tmpdir() : dirname(REPO), "tollgate-rehearsal-"));
  onCleanup("remove the clone", () => rmSync(workspace, { recursive: true, force: true }));
  const clone = join(workspace, "tollgate");
  execFileSync("git", ["clone", "--quiet", "--no-hardlinks", REPO, clone], { stdio: "inherit" });
  const head = execFileSync("git", ["-C", clone, "log", "-1", "--format=%h %s"], { encoding: "utf8" }).trim();
  note(`HEAD ${head}`);
  // `npm ci` would download; hard links to the working tree's installed packages cost nothing.
  execFileSync("cp", ["-al", join(REPO, "node_modules"), join(clone, "node_modules")]);
  note("node_modules hard-linked from the working tree (instead of npm ci: no network here)");

  const doc = parseDeployDoc(readFileSync(join(clone, "docs/deploy.md"), "utf8"));
  const docScopes = machineToMachineScopes(sectionOf(doc, 2));
  const docVariables = tableVariables(sectionOf(doc, 4));
  note(`docs/deploy.md: ${doc.length} steps; M2M scopes ${docScopes.join(" ")}`);
  note(`step 4 variables: ${docVariables.join(" ")}`);
  // Every variable the app reads (.env.example): none may leak in from this process's environment.
  const appVariables = appVariablesOf(clone);
  for (const name of docVariables)
    check(appVariables.has(name), `step 4 names ${name}, which .env.example lacks`);

  // ---- the stand-ins for the accounts --------------------------------------------------------------
  step("Stand-ins for the accounts: PostgreSQL behind PgBouncer, Redis, an Auth0 tenant over HTTPS, Stripe");
  const appPort = await freePort();
  const appBaseUrl = `http://localhost:${appPort}`;
  const databaseUrl = await freshDatabaseUrl(PG_SERVER_URL, "tollgate_deploy");
  onCleanup("drop the database", () => dropDatabase(databaseUrl));
  note(`database ${new URL(databaseUrl).pathname.slice(1)} on ${new URL(databaseUrl).host}`);
  // The provider's transaction pooler: the app goes through it, migrations around it.
  const unavailable = poolerUnavailable();
  check(!process.env.CI || !unavailable, `CI rehearses the pooled URL through PgBouncer: ${unavailable}`);
  const pooler = unavailable ? null : await startPooler(PG_SERVER_URL);
  if (pooler) onCleanup("stop PgBouncer", () => pooler.close());
  const pooledUrl = pooler ? pooler.pooled(databaseUrl) : databaseUrl;
  note(
    pooler
      ? `pooled URL through PgBouncer (transaction mode) on ${new URL(pooledUrl).host}`
      : `no PgBouncer here (${unavailable}): the pooled URL is the direct one`,
  );

  const { host, address } = await tenantHost();
  const certificate: SelfSignedCertificate = selfSignedCertificate([host]);
  onCleanup("remove the certificate", () => certificate.remove());
  // On 443, as a real tenant: the Auth0 SDK drops a port from the domain outside local mode.
  const issuer: LocalIssuer = await createDemoIssuer({
    port: 443,
    listenAddress: address,
    issuerUrl: `https://${host}/`,
    tls: { key: certificate.key, cert: certificate.cert },
    emptyTenant: true,
    appBaseUrl,
    clients: [
      {
        client_id: M2M.clientId,
        client_secret: M2M.secret,
        name: "Tollgate (Machine to Machine)",
        app_type: "non_interactive",
        grant_types: ["client_credentials"],
        managementScopes: docScopes,
      },
    ],
  }).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RehearsalError(`The stand-in tenant cannot listen on ${address}:443 (${reason}): run as root.`);
  });
  onCleanup("stop the issuer", () => issuer.close());
  const auth0Domain = new URL(issuer.url).host;
  note(`Auth0 tenant ${issuer.url} (${address}:443): empty but for one Machine to Machine application`);

  const stripeKey = `sk_test_rehearsal_${randomBytes(12).toString("hex")}`;
  const sandbox: StripeSandbox = await createStripeSandbox({
    port: 0,
    apiKey: stripeKey,
    webhookUrl: `${appBaseUrl}/api/stripe/webhook`,
    eventDestinationUrl: `${appBaseUrl}/api/stripe/events`,
  });
  onCleanup("stop the Stripe sandbox", () => sandbox.close());
  note(`Stripe API ${sandbox.url}; its webhook endpoint posts to ${appBaseUrl}/api/stripe/webhook`);

  /** The units Stripe's meter holds. */
  const meteredUnits = () =>
    sandbox.state.meterEvents
      .filter((event) => event.event_name === "api_units")
      .reduce((sum, event) => sum + Number(event.payload.value ?? 0), 0);

  /** Values a person copies from an account into an `export` line. */
  const accountValues: Record<string, string | undefined> = {
    DATABASE_URL: pooledUrl,
    DATABASE_URL_UNPOOLED: databaseUrl,
    REDIS_URL: REDIS_URL,
    AUTH0_DOMAIN: auth0Domain,
    AUTH0_MANAGEMENT_CLIENT_ID: M2M.clientId,
    AUTH0_MANAGEMENT_CLIENT_SECRET: M2M.secret,
    APP_BASE_URL: appBaseUrl,
    STRIPE_SECRET_KEY: stripeKey,
    // Copied from the webhook endpoint in the Stripe dashboard.
    STRIPE_WEBHOOK_SECRET: sandbox.webhookSecret,
    // Copied from the event destination in the Stripe dashboard.
    STRIPE_EVENT_DESTINATION_SECRET: sandbox.eventDestinationSecret,
    // Printed by `npm run setup:auth0`, shown by the dashboard: known later.
    AUTH0_CLIENT_ID: undefined,
    AUTH0_CLIENT_SECRET: undefined,
    CLIENT_ID: undefined,
    CLIENT_SECRET: undefined,
  };
  const standIns = {
    NODE_EXTRA_CA_CERTS: certificate.certFile,
    CURL_CA_BUNDLE: certificate.certFile,
    STRIPE_API_URL: sandbox.url,
  };

  const baseEnv = newcomerEnv(appVariables);
  const shell = new DocShell(clone, { ...baseEnv, ...standIns, NEXT_TELEMETRY_DISABLED: "1" });
  onCleanup("close the shell", () => shell.close());

  /** Runs one command of the document: `export` of an account value gets the stand-in's value. */
  async function command(text: string, options: { timeoutMs?: number } = {}): Promise<CommandResult> {
    const exported = exportOf(text);
    if (exported && exported[0] in accountValues) {
      const [name] = exported;
      const value = accountValues[name];
      check(value !== undefined, `the document exports ${name} before the rehearsal knows its value`);
      shell.env[name] = value;
      console.log(`  $ export ${name}=…   (the document's: ${exported[1]})`);
      return { code: 0, output: "" };
    }
    const result = await shell.run(text, options);
    show(text, result);
    check(result.code === 0, `"${text}" failed with exit ${result.code}`);
    return result;
  }
  function block(section: number, index: number, expectedCommands: number): string[] {
    const commands = sectionOf(doc, section).blocks[index];
    check(commands, `docs/deploy.md step ${section} has no shell block #${index + 1}`);
    check(
      commands.length === expectedCommands,
      `docs/deploy.md step ${section}, block #${index + 1}: ${commands.length} commands, the rehearsal knows ${expectedCommands}`,
    );
    return commands;
  }

  // ---- 1. Postgres ---------------------------------------------------------------------------------
  step("1. Postgres (and Redis)");
  {
    const [exportPooled = "", exportDirect = "", migrate = "", again = ""] = block(1, 0, 4);
    await command(exportPooled);
    await command(exportDirect);
    const first = await command(migrate);
    check(
      first.output.includes(new URL(databaseUrl).host),
      "db:migrate did not connect to the direct URL (DATABASE_URL_UNPOOLED)",
    );
    check(/applied /.test(first.output), "the first db:migrate applied no migration");
    const second = await command(again);
    check(
      /up to date, no migration to apply/.test(second.output),
      'the second db:migrate did not say "up to date"',
    );
    for (const text of block(1, 1, 1)) await command(text);
  }

  // ---- 2. Auth0 ------------------------------------------------------------------------------------
  step("2. Auth0");
  note(
    `by hand: Machine to Machine application ${M2M.clientId}, Management API scopes as listed (done at start)`,
  );
  {
    const commands = block(2, 0, 7);
    for (const text of commands.slice(0, 5)) await command(text);
    const first = await command(commands[5] ?? "");
    check(/created\s+API/.test(first.output), "setup:auth0 did not create the API");
    check(/created\s+application/.test(first.output), "setup:auth0 did not create the dashboard application");
    check(!/Warning:/.test(first.output), "setup:auth0 warned about missing Management API scopes");
    accountValues.AUTH0_CLIENT_ID = /^AUTH0_CLIENT_ID=(\S+)$/m.exec(first.output)?.[1];
    accountValues.AUTH0_CLIENT_SECRET = /^AUTH0_CLIENT_SECRET=(\S+)$/m.exec(first.output)?.[1];
    check(
      accountValues.AUTH0_CLIENT_ID && accountValues.AUTH0_CLIENT_SECRET,
      "setup:auth0 printed no client credentials",
    );
    const second = await command(commands[6] ?? "");
    check(
      /Nothing to change: the tenant is set up\./.test(second.output),
      "the second setup:auth0 changed something",
    );

    // What the tenant now holds, as the Auth0 dashboard would show it.
    const audience = shell.env.AUTH0_AUDIENCE ?? "";
    const api = [...issuer.state.resourceServers.values()].find((server) => server.identifier === audience);
    check(api, `no API with identifier ${audience} in the tenant`);
    check(
      api.enforce_policies && api.token_dialect === "access_token_authz" && api.signing_alg === "RS256",
      `the API's settings: enforce_policies=${api.enforce_policies} token_dialect=${api.token_dialect}`,
    );
    const dashboard = issuer.state.clients.get(accountValues.AUTH0_CLIENT_ID);
    check(
      dashboard?.callbacks.includes(`${appBaseUrl}/auth/callback`),
      "the dashboard application lacks the callback",
    );
    note(
      `tenant: API ${api.identifier} (${api.scopes.map((scope) => scope.value).join(" ")}), RBAC, permissions in tokens`,
    );

    for (const text of block(2, 1, 3)) await command(text);
    check(/^[0-9a-f]{64}$/.test(shell.env.AUTH0_SECRET ?? ""), "AUTH0_SECRET is not 32 random bytes in hex");
  }

  // ---- 3. Stripe -----------------------------------------------------------------------------------
  step("3. Stripe");
  {
    const [exportKey = "", setup = "", again = ""] = block(3, 0, 3);
    await command(exportKey);
    const first = await command(setup);
    check(/created/.test(first.output), "the first setup:stripe created nothing");
    const webhookUrl = /URL:\s+(\S+)/.exec(first.output)?.[1];
    check(
      webhookUrl === `${appBaseUrl}/api/stripe/webhook`,
      `setup:stripe printed the webhook URL ${webhookUrl}`,
    );
    const second = await command(again);
    check(/unchanged/.test(second.output), "the second setup:stripe printed no unchanged objects");
    check(
      !/^\s+(created|updated)\s/m.test(second.output),
      "the second setup:stripe created or updated objects",
    );
    note(`by hand: webhook endpoint ${webhookUrl} and event destination (the sandbox's), secrets copied`);
    for (const text of block(3, 1, 2)) await command(text);
  }

  // ---- 4. Deploy: the variables, the build, the server --------------------------------------------
  step("4. The variables of step 4, the build, npm start");
  let server: ChildProcess | undefined;
  {
    for (const text of block(4, 0, 1)) await command(text);
    const set = Object.keys(shell.env).filter((name) => appVariables.has(name));
    const missing = docVariables.filter((name) => !shell.env[name]);
    check(missing.length === 0, `step 4 lists variables no step set: ${missing.join(", ")}`);
    const extra = set.filter((name) => !docVariables.includes(name) && !(name in standIns));
    check(extra.length === 0, `variables set but not listed in step 4: ${extra.join(", ")}`);
    note(
      `the shell holds exactly step 4's ${docVariables.length} variables (+ stand-in ${Object.keys(standIns).join(", ")})`,
    );

    const [install = "", build = "", start = ""] = block(4, 1, 3);
    check(install.startsWith("npm ci"), `expected npm ci, found ${install}`);
    console.log(`  $ ${install}   (skipped: node_modules are hard-linked from the working tree)`);
    await command(build, { timeoutMs: 15 * 60_000 });
    check(start.startsWith("npm start"), `expected npm start, found ${start}`);

    // A production server refuses to start without a variable, and names it.
    for (const name of ["STRIPE_WEBHOOK_SECRET", "DATABASE_URL"]) {
      const { [name]: _dropped, ...env } = shell.env;
      const refused = await startServer(env, `without-${name}`);
      check(
        refused.exitCode !== undefined,
        `npm start without ${name} did not stop (it answered ${refused.health})`,
      );
      const line = refused.log.split("\n").find((text) => text.includes(name)) ?? "";
      check(line !== "", `npm start without ${name} stopped without naming it:\n${refused.log.slice(-1500)}`);
      note(`without ${name}: exit ${refused.exitCode}: ${line.trim().slice(0, 160)}`);
    }

    const running = await startServer(shell.env, "server");
    check(
      running.exitCode === undefined && running.health === 200,
      `npm start did not come up:\n${running.log.slice(-2000)}`,
    );
    server = running.child;
    note(`npm start: ${appBaseUrl} answers /__health`);
  }

  /** Starts `npm start` on the app's port; resolves when it answers /__health or exits. */
  async function startServer(env: Record<string, string>, name: string) {
    const logFile = join(ARTIFACTS, `${name}.log`);
    const log = createWriteStream(logFile);
    const child = spawn("npm", ["start"], {
      cwd: clone,
      // `next start` sets NODE_ENV=production itself; said here too, as a host's environment would.
      env: { NODE_ENV: "production", ...env, PORT: String(appPort) },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {
          // already gone
        }
      }
    };
    onCleanup(`stop npm start (${name})`, kill);
    let text = "";
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding("utf8").on("data", (chunk: string) => {
        text += chunk;
        log.write(chunk);
      });
    }
    const exited = new Promise<number>((resolveExit) => child.once("exit", (code) => resolveExit(code ?? 1)));
    let exitCode: number | undefined;
    void exited.then((code) => (exitCode = code));
    let health: number | undefined;
    const deadline = Date.now() + 90_000;
    while (exitCode === undefined && Date.now() < deadline) {
      try {
        const response = await fetch(`${appBaseUrl}/__health`, { signal: AbortSignal.timeout(5_000) });
        health = response.status;
        if (health === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise((wait) => setTimeout(wait, 500));
    }
    if (exitCode === undefined && health !== 200) {
      // Up but unhealthy, or never up: a refusal must stop the server, so this one is stopped here.
      kill();
      await Promise.race([exited, new Promise((wait) => setTimeout(wait, 5_000))]);
      return { child, exitCode: undefined, health, log: text };
    }
    return { child, exitCode, health, log: text };
  }

  // ---- 5. Smoke test -------------------------------------------------------------------------------
  step("5. Smoke test");
  const [health = "", openapi = "", unauthorized = ""] = block(5, 0, 3);
  {
    const result = await command(health);
    check(
      JSON.stringify(JSON.parse(result.output)) === '{"status":"ok","db":"ok"}',
      `health: ${result.output}`,
    );
    check((await command(openapi)).output.startsWith('{"openapi":"3.1'), "no OpenAPI 3.1 document");
    const refused = await command(unauthorized);
    check(/^HTTP\/[\d.]+ 401/m.test(refused.output), "the API did not answer 401 without a token");
    check(
      /^www-authenticate: Bearer realm="api"/im.test(refused.output),
      'no WWW-Authenticate: Bearer realm="api"',
    );
  }

  const dashboard = await openDashboard(rehearsal, { appBaseUrl, artifacts: ARTIFACTS, https: true });
  await dashboard.signInAsCarol(
    "signed in on the tenant's login page as Carol, a newcomer: plan Free",
    new URL(issuer.url).origin,
  );
  const client = await dashboard.createClient(
    "created a machine client under API access; the secret is shown once",
    "Rehearsal server",
  );
  accountValues.CLIENT_ID = client.clientId;
  accountValues.CLIENT_SECRET = client.clientSecret;
  check(
    issuer.state.clients.has(accountValues.CLIENT_ID ?? ""),
    "the machine client is not in the Auth0 tenant",
  );

  const [exportId = "", exportSecret = "", token = "", read = "", write = ""] = block(5, 1, 5);
  {
    await command(exportId);
    await command(exportSecret);
    await command(token);
    check(
      (shell.env.TOKEN ?? "").split(".").length === 3,
      `no access token from the tenant: "${shell.env.TOKEN}"`,
    );
    check(/HTTP 200$/m.test((await command(read)).output), "GET /api/v1/widgets did not answer 200 on Free");
    // No cron has run: the API reports its own usage after the answer (what a Hobby deploy relies on).
    const reportedAt = Date.now();
    while (meteredUnits() < 1 && Date.now() - reportedAt < 30_000)
      await new Promise((wait) => setTimeout(wait, 250));
    check(
      meteredUnits() === 1,
      `the read's unit did not reach Stripe without the cron (${meteredUnits()} units)`,
    );
    note(
      `the read's unit reached Stripe ${Date.now() - reportedAt} ms after the answer, reported by the API itself`,
    );
    check(
      /HTTP 402$/m.test((await command(write)).output),
      "POST /api/v1/widgets did not answer 402 on Free",
    );
  }

  await dashboard.upgradeToPro(
    "upgraded to Pro through Checkout with the test card",
    new URL(sandbox.url).origin,
  );

  const [paidWrite = "", cron = ""] = block(5, 2, 2);
  {
    // "within seconds of the webhook the write answers 201"
    let answer = await command(paidWrite);
    for (let tries = 0; !/HTTP 201$/m.test(answer.output) && tries < 20; tries++) {
      await new Promise((wait) => setTimeout(wait, 1_000));
      answer = await command(paidWrite);
    }
    check(/HTTP 201$/m.test(answer.output), "POST /api/v1/widgets did not answer 201 after the upgrade");
    // The write's unit waits for the next run: the API's own starts at most once a minute per
    // instance, so the cron route reports it (run again while the API's own run holds the lease).
    for (let tries = 0; ; tries++) {
      const report = await command(cron);
      check(report.output.trim().startsWith("{"), `the cron route answered ${report.output}`);
      if (meteredUnits() >= 2 || tries >= 10) break;
      await new Promise((wait) => setTimeout(wait, 1_000));
    }
    const units = meteredUnits();
    // Served and metered: the read on Free and the write on Pro (the refused 402 costs nothing).
    check(units === 2, `Stripe received ${units} api_units, expected 2`);
    note(`Stripe meter api_units: ${units} units, as served`);
  }
  note(`server log: ${join(ARTIFACTS, "server.log")} (pid ${server?.pid})`);
}

await rehearsal.run(main, "docs/deploy.md rehearsed from a fresh clone");
