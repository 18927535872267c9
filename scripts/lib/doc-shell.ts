import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Variables bash sets for itself, not carried from one command to the next. */
const BASH_OWN = new Set(["_", "SHLVL", "PWD", "OLDPWD", "status"]);

/** What a command printed (stdout and stderr interleaved) and how it exited. */
export interface CommandResult {
  code: number;
  output: string;
}

/**
 * One terminal session as a person following a document has: commands run in bash one after
 * another in `cwd`, and what a command exports or assigns is there for the next (`set -a`, then the
 * environment is read back after each command).
 */
export class DocShell {
  private readonly scratch = mkdtempSync(join(tmpdir(), "tollgate-shell-"));

  constructor(
    readonly cwd: string,
    public env: Record<string, string>,
  ) {}

  /** Runs one command; rejects only when bash cannot start or the timeout passes. */
  run(command: string, options: { timeoutMs?: number } = {}): Promise<CommandResult> {
    const envFile = join(this.scratch, "env");
    rmSync(envFile, { force: true });
    const script = `set -a -o pipefail\n${command}\nstatus=$?\nenv -0 > ${JSON.stringify(envFile)}\nexit $status\n`;
    return new Promise((resolve, reject) => {
      const child = spawn("bash", ["-c", script], {
        cwd: this.cwd,
        // Next's types make NODE_ENV required in ProcessEnv; a person's shell has none.
        env: this.env as NodeJS.ProcessEnv,
        detached: true,
      });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      const timer = setTimeout(() => {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
        reject(new Error(`timed out after ${options.timeoutMs} ms: ${command}\n${output}`));
      }, options.timeoutMs ?? 120_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        try {
          const text = readFileSync(envFile, "utf8");
          this.env = Object.fromEntries(
            text
              .split("\0")
              .filter(Boolean)
              .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)])
              .filter(([name]) => !BASH_OWN.has(name ?? "")),
          );
        } catch {
          // The command ended bash itself (exit): the environment stays as it was.
        }
        resolve({ code: code ?? 1, output });
      });
    });
  }

  close(): void {
    rmSync(this.scratch, { recursive: true, force: true });
  }
}
