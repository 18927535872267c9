import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import type { Readable, Writable } from "node:stream";

export interface RunOptions {
  /**
   * Also write everything the command prints to this file, and keep the app's JSON log lines out of
   * the terminal (they go to the file only), so test output shows what failed while the whole log is
   * kept for the log scan (scripts/lib/scan-logs.ts).
   */
  logFile?: string;
}

/** Runs a command with inherited stdio; resolves on exit 0, rejects with the exit code otherwise. */
export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  options: RunOptions = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const file = options.logFile ? createWriteStream(options.logFile, { flags: "a" }) : undefined;
    const child = spawn(command, args, { stdio: file ? ["inherit", "pipe", "pipe"] : "inherit", env });
    const flushes =
      file && child.stdout && child.stderr
        ? [tee(child.stdout, process.stdout, file), tee(child.stderr, process.stderr, file)]
        : [];
    child.on("error", reject);
    child.on("close", (code, signal) => {
      for (const flush of flushes) flush();
      const done = () =>
        code === 0
          ? resolve()
          : reject(new Error(`${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`})`));
      if (file) file.end(done);
      else done();
    });
  });
}

function tee(source: Readable, terminal: Writable, file: Writable): () => void {
  let pending = "";
  const show = (line: string) => {
    if (!line.startsWith('{"level":')) terminal.write(`${line}\n`);
  };
  source.setEncoding("utf8");
  source.on("data", (chunk: string) => {
    file.write(chunk);
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    lines.forEach(show);
  });
  return () => {
    if (pending) show(pending);
    pending = "";
  };
}
