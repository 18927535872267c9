import type { Database } from "./client";

/**
 * Whether the database answers a trivial query within `timeoutMs`. Never throws: a refused
 * connection, an error and a hang all read as "down". An embedded database that is still booting
 * (PGlite takes a few seconds on first use) is waited for: starting is not being down.
 */
export async function checkDatabase(db: Database, timeoutMs: number): Promise<"ok" | "down"> {
  try {
    await db.$ready;
  } catch {
    return "down";
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"down">((resolve) => {
    timer = setTimeout(() => resolve("down"), timeoutMs);
  });
  const query = db.$queryRaw`SELECT 1`.then(
    () => "ok" as const,
    () => "down" as const,
  );
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
