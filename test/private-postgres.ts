import { execFile, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, osUser } from "@/scripts/lib/system";

// Test support: a PostgreSQL server of the test's own, which the test may crash and start again. The
// shared server (127.0.0.1:5432) must never be stopped: CI and other work use it.

const run = promisify(execFile);

/** Where the server programs (initdb, pg_ctl, postgres) are: /usr/local/bin, Debian's layout, PATH. */
export function findPostgresBinaries(): string | null {
  const candidates = ["/usr/local/bin"];
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => join(debian, version, "bin")));
  }
  candidates.push(...(process.env.PATH ?? "").split(":").filter(Boolean));
  return (
    candidates.find((dir) => ["initdb", "pg_ctl", "postgres"].every((name) => existsSync(join(dir, name)))) ??
    null
  );
}

/** Why no private server can run here, or null when one can. */
export function privatePostgresUnavailable(): string | null {
  if (!findPostgresBinaries()) {
    return "no PostgreSQL server binaries (initdb, pg_ctl, postgres) in /usr/local/bin, /usr/lib/postgresql/*/bin or PATH";
  }
  if (process.getuid?.() === 0 && !osUser("postgres")) {
    return "running as root and there is no `postgres` OS user to run the server as (PostgreSQL refuses root)";
  }
  return null;
}

/** A PostgreSQL server on a free port of 127.0.0.1, with its data in a temporary directory. */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, loopback only). */
  url: string;
  port: number;
  /** Kills the server as a crash would (`pg_ctl stop -m immediate`: no checkpoint, no goodbye). */
  crash(): Promise<void>;
  /** Starts it again (crash recovery replays the WAL) and resolves once it accepts connections. */
  start(): Promise<void>;
  /** Whether the server is running. */
  running(): boolean;
  /** The server's log, for failure messages. */
  log(): string;
  /** Stops the server and deletes its data. */
  destroy(): Promise<void>;
}

/**
 * Initialises and starts a PostgreSQL server of the caller's own. As root it runs as the `postgres`
 * OS user (PostgreSQL refuses to run as root). Durable commits stay on (`synchronous_commit`), so
 * whatever a client saw committed survives `crash()`; only `fsync` is off, which a process crash
 * (unlike a power cut) never needs.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const unavailable = privatePostgresUnavailable();
  if (unavailable) throw new Error(`cannot start a private PostgreSQL server: ${unavailable}`);
  const bin = findPostgresBinaries() as string;
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? osUser("postgres") : null;

  const dir = mkdtempSync(join(tmpdir(), "tollgate-pg-"));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, "data");
  const logFile = join(dir, "server.log");

  // As root, `runuser` (util-linux) runs the programs as postgres with its groups and a clean identity.
  const exec = (program: string, args: string[]) =>
    owner
      ? run("runuser", ["-u", "postgres", "--", join(bin, program), ...args], { cwd: dir })
      : run(join(bin, program), args, { cwd: dir });

  await exec("initdb", [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "--encoding=UTF8",
    "--locale=C",
    "--no-sync",
    "--no-instructions",
  ]);

  let port = 0;
  let started = false;
  const pgCtl = (...args: string[]) => exec("pg_ctl", ["-D", data, ...args]);
  const start = async () => {
    const options = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses=127.0.0.1",
      "-c fsync=off",
      "-c full_page_writes=off",
      "-c max_connections=60",
      "-c shared_buffers=32MB",
    ].join(" ");
    await pgCtl("-l", logFile, "-w", "-t", "60", "-o", options, "start");
    started = true;
  };
  const stopSync = () => {
    if (!started) return;
    const args = ["-D", data, "-m", "immediate", "-w", "stop"];
    if (owner) spawnSync("runuser", ["-u", "postgres", "--", join(bin, "pg_ctl"), ...args], { cwd: dir });
    else spawnSync(join(bin, "pg_ctl"), args, { cwd: dir });
    started = false;
  };
  // A test run that dies must not leave a server behind.
  process.once("exit", stopSync);

  // Another process may take the free port before the server binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (error) {
      if (attempt >= 3) {
        throw new Error(`private PostgreSQL did not start: ${String(error)}\n${readLog(logFile)}`);
      }
    }
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async crash() {
      await pgCtl("-m", "immediate", "-w", "stop");
      started = false;
    },
    start,
    running: () => started,
    log: () => readLog(logFile),
    async destroy() {
      process.removeListener("exit", stopSync);
      if (started) await pgCtl("-m", "immediate", "-w", "stop").catch(() => undefined);
      started = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-40).join("\n");
  } catch {
    return "(no server log)";
  }
}
