/**
 * `npm run test:new-operation`: follows the README's "Make it your API" as a newcomer would, in a fresh
 * `git clone` of this repository (HEAD), in local mode: every ```sh block of the section runs in order
 * in one shell session, and the steps it describes in words (sign in, upgrade, create an API key) are done
 * in a real browser. It checks that the new operation's scaffold typechecks and passes its test, that
 * the app serves it to a new API key with its scope, meters it, and lists it in /api/openapi.json.
 *
 * The app runs on a free port (`PORT`), its local services on ports of their own; the README's
 * http://localhost:3000 is read as that port. Heavy (next dev and a browser): on a shared machine run
 * it under the shared lock, `flock /tmp/tollgate-heavy.lock npm run test:new-operation`.
 */
import { spawn, execFileSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseSections } from "./lib/deploy-doc";
import { DocShell, type CommandResult } from "./lib/doc-shell";
import { appVariablesOf, check, newcomerEnv, openDashboard, Rehearsal } from "./lib/rehearsal";
import { freePort, waitForHealth } from "./lib/system";

const REPO = resolve(import.meta.dirname, "..");
const ARTIFACTS = join(REPO, "test-results", "new-operation-rehearsal");
const SECTION = "Make it your API";

const rehearsal = new Rehearsal();
const { step, note } = rehearsal;

async function main(): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });

  step("A fresh clone of the repository");
  const workspace = mkdtempSync(join(tmpdir(), "tollgate-new-operation-"));
  rehearsal.onCleanup("remove the clone", () => rmSync(workspace, { recursive: true, force: true }));
  const clone = join(workspace, "tollgate");
  execFileSync("git", ["clone", "--quiet", "--no-hardlinks", REPO, clone], { stdio: "inherit" });
  note(
    `HEAD ${execFileSync("git", ["-C", clone, "log", "-1", "--format=%h %s"], { encoding: "utf8" }).trim()}`,
  );
  // `npm install` would download; hard links to the working tree's installed packages cost nothing.
  execFileSync("cp", ["-al", join(REPO, "node_modules"), join(clone, "node_modules")]);
  note("node_modules hard-linked from the working tree");

  const section = parseSections(readFileSync(join(clone, "README.md"), "utf8")).find(
    (candidate) => candidate.title === SECTION,
  );
  check(section, `README.md has no "## ${SECTION}" section`);
  const blocks = section.blocks;
  check(
    blocks.length === 4 && blocks.map((commands) => commands.length).join() === "1,2,1,2",
    `README "${SECTION}": the rehearsal knows 4 shell blocks of 1, 2, 1 and 2 commands, the section has ${blocks.map((commands) => commands.length).join(", ")}`,
  );
  const [[scaffold = ""] = [], [lint = "", test = ""] = [], [dev = ""] = [], [call = "", openapi = ""] = []] =
    blocks;

  // Local mode: nothing of this machine's configuration reaches the newcomer's shell.
  const env = newcomerEnv(appVariablesOf(clone));
  const appPort = await freePort();
  const appBaseUrl = `http://localhost:${appPort}`;
  const shell = new DocShell(clone, { ...env, NEXT_TELEMETRY_DISABLED: "1" });
  rehearsal.onCleanup("close the shell", () => shell.close());
  const command = async (text: string, timeoutMs = 120_000): Promise<CommandResult> => {
    const result = await shell.run(text.replaceAll("http://localhost:3000", appBaseUrl), { timeoutMs });
    console.log(`  $ ${text}`);
    const lines = result.output.split("\n").filter((line) => line.trim() !== "");
    for (const line of lines.slice(-12)) console.log(`    ${line}`);
    check(result.code === 0, `"${text}" failed with exit ${result.code}`);
    return result;
  };

  step("1. Declare the operation and write its skeleton");
  const scaffolded = await command(scaffold);
  check(
    /Added exportReport: POST \/api\/v1\/reports\/\{id\}\/export/.test(scaffolded.output),
    "no exportReport added",
  );
  for (const file of [
    "app/api/v1/reports/[id]/export/route.ts",
    "app/api/v1/reports/[id]/export/export-report.int.test.ts",
  ]) {
    check(existsSync(join(clone, file)), `new:operation did not write ${file}`);
  }

  step("3. Check it: types, lint and its test");
  await command(lint, 10 * 60_000);
  const tested = await command(test, 5 * 60_000);
  check(
    /Tests\s+\d+ passed/.test(tested.output.replace(/\u001b\[[0-9;]*m/g, "")),
    "the operation's test did not pass",
  );

  step(`4. Try it in the app: ${dev} on ${appBaseUrl}`);
  const log = createWriteStream(join(ARTIFACTS, "dev.log"));
  const server = spawn("bash", ["-c", dev], {
    cwd: clone,
    // Next's types make NODE_ENV required in ProcessEnv; a person's shell has none.
    env: { ...shell.env, PORT: String(appPort) } as unknown as NodeJS.ProcessEnv,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout.pipe(log);
  server.stderr.pipe(log);
  // Waits for the exit: `next dev` writes to the clone's .next until it is gone, and the clone goes next.
  rehearsal.onCleanup("stop npm run dev", async () => {
    if (server.exitCode !== null || !server.pid) return;
    const exited = new Promise((resolveExit) => server.once("exit", resolveExit));
    process.kill(-server.pid, "SIGTERM");
    await Promise.race([exited, new Promise((wait) => setTimeout(wait, 10_000))]);
  });
  await waitForHealth(appBaseUrl, server, { timeoutMs: 5 * 60_000, logs: join(ARTIFACTS, "dev.log") });
  note(`${appBaseUrl} answers /__health`);

  const dashboard = await openDashboard(rehearsal, { appBaseUrl, artifacts: ARTIFACTS });
  await dashboard.signInAsCarol("signed in as Carol: plan Free");
  await dashboard.upgradeToPro("upgraded to Pro through the sandbox's Checkout");
  shell.env.API_KEY = await dashboard.createKey(
    "created an API key under API access, export:reports among its scopes",
    "Reports exporter",
    async () =>
      check(
        await dashboard.page
          .getByRole("form", { name: "Create an API key" })
          .getByRole("checkbox", { name: /export:reports/ })
          .isChecked(),
        "export:reports is not offered",
      ),
  );

  // Pro reaches the app with Stripe's webhook; until then the call is refused with 402, unmetered.
  let answer = await command(call);
  for (let tries = 0; !answer.output.includes('"todo"') && tries < 20; tries++) {
    await new Promise((wait) => setTimeout(wait, 1_000));
    answer = await command(call);
  }
  check(
    answer.output.includes('"todo":"exportReport is declared'),
    `the new operation answered ${answer.output}`,
  );
  check(
    (await command(openapi)).output.trim() === '"operationId":"exportReport"',
    "exportReport is not in /api/openapi.json",
  );

  await dashboard.inBrowser("Overview counts the call's 5 units", async () => {
    await dashboard.page.goto("/dashboard");
    await dashboard.page
      .getByTestId("units-used")
      .filter({ hasText: /^\s*5\b/ })
      .waitFor();
  });
}

await rehearsal.run(main, `README "${SECTION}" rehearsed from a fresh clone`);
