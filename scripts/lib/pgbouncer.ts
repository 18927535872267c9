import { spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, osUser } from "./system";

// A transaction-mode connection pooler in front of a PostgreSQL server, as production databases
// offer one (Neon's -pooler host, Supabase's Supavisor on 6543, PgBouncer itself): the app's
// DATABASE_URL goes through it, migrations go around it (DATABASE_URL_UNPOOLED).

/** A PgBouncer process of our own. */
export interface Pooler {
  /** `url` with the host and port of the pooler instead of the server's. */
  pooled(url: string): string;
  close(): Promise<void>;
}

const BINARY = "/usr/sbin/pgbouncer";

/** Why no PgBouncer can run here, or null when one can (Debian's package, `apt-get install pgbouncer`). */
export function poolerUnavailable(): string | null {
  if (!existsSync(BINARY)) return `${BINARY} is not installed (apt-get install pgbouncer)`;
  return null;
}

/**
 * Starts PgBouncer in transaction mode on a free port of 127.0.0.1, passing every database through to
 * the server of `serverUrl` (which trusts local connections, as this project's machines' servers do).
 * Runs as the `postgres` user when this process is root: PgBouncer refuses to run as root.
 */
export async function startPooler(serverUrl: string): Promise<Pooler> {
  const server = new URL(serverUrl);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "tollgate-pgbouncer-"));
  const user = decodeURIComponent(server.username || "postgres");
  writeFileSync(join(dir, "userlist.txt"), `"${user}" ""\n`);
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${server.hostname} port=${server.port || 5432}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${join(dir, "userlist.txt")}`,
      "pool_mode = transaction",
      "max_client_conn = 1000",
      "default_pool_size = 20",
      // node-postgres sends these at connect; PgBouncer must not refuse them.
      "ignore_startup_parameters = extra_float_digits,options",
      `logfile = ${join(dir, "pgbouncer.log")}`,
      `pidfile = ${join(dir, "pgbouncer.pid")}`,
    ].join("\n"),
  );
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? osUser("postgres") : null;
  if (asRoot && !owner)
    throw new Error("PgBouncer will not run as root, and there is no postgres user to run it as");
  if (owner) {
    const { uid, gid } = owner;
    chownSync(dir, uid, gid);
    for (const file of ["userlist.txt", "pgbouncer.ini"]) chownSync(join(dir, file), uid, gid);
    chmodSync(dir, 0o700);
  }
  const child = spawn(BINARY, [...(asRoot ? ["-u", "postgres"] : []), join(dir, "pgbouncer.ini")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let errors = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (errors += chunk));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      const log = existsSync(join(dir, "pgbouncer.log"))
        ? readFileSync(join(dir, "pgbouncer.log"), "utf8")
        : "";
      throw new Error(`pgbouncer exited (${child.exitCode}): ${errors}${log}`);
    }
    const listening = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once("error", () => resolve(true));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
    });
    if (listening) break;
    if (Date.now() > deadline) throw new Error("pgbouncer did not listen within 10 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    pooled(url) {
      const pooled = new URL(url);
      pooled.hostname = "127.0.0.1";
      pooled.port = String(port);
      return pooled.toString();
    },
    async close() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
