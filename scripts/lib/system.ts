import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** A free TCP port on 127.0.0.1, for a server whose port must be known before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no port"))));
    });
  });
}

/** The ids of an operating-system user (from /etc/passwd), or null when there is none. */
export function osUser(name: string): { uid: number; gid: number } | null {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) return null;
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Waits until a server started as `child` answers `GET <url>/__health` with 200; throws when the
 * process exits first or `timeoutMs` passes.
 */
export async function waitForHealth(
  url: string,
  child: { exitCode: number | null },
  { timeoutMs = 90_000, logs = "its output" }: { timeoutMs?: number; logs?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the server for ${url} exited (${child.exitCode}); see ${logs}`);
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer /__health within ${timeoutMs / 1000} s`);
    const healthy = await fetch(`${url}/__health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
