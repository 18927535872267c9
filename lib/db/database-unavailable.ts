/** Driver adapter error kinds (@prisma/driver-adapter-utils) that mean the server cannot be used now. */
const UNAVAILABLE_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);
/** Prisma's codes for the same: can't reach, timed out, connection closed, no pooled connection in time. */
const UNAVAILABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1017", "P2024"]);
/**
 * SQLSTATEs of a server that is going away or not up yet: class 08 (connection exception), 57P01
 * (admin shutdown), 57P02 (crash shutdown), 57P03 (cannot connect now), 53300 (too many connections).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
]);
/** node-postgres reports a connection lost mid-query with a plain Error and these messages. */
const PG_CONNECTION_MESSAGE =
  /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/;

/**
 * Whether an error from Prisma or node-postgres means the database is unreachable or restarting (a
 * reason to answer 503 and retry later), rather than a fault of the query or of the data.
 *
 * @example if (isDatabaseUnavailable(error)) return problem("service_unavailable", ...);
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    const fields = current as {
      code?: unknown;
      kind?: unknown;
      message?: unknown;
      cause?: unknown;
      meta?: { driverAdapterError?: unknown };
    };
    if (typeof fields.kind === "string" && UNAVAILABLE_KINDS.has(fields.kind)) return true;
    if (typeof fields.code === "string") {
      if (UNAVAILABLE_PRISMA_CODES.has(fields.code) || SOCKET_CODES.has(fields.code)) return true;
      if (UNAVAILABLE_SQLSTATE.test(fields.code)) return true;
    }
    if (current instanceof Error && PG_CONNECTION_MESSAGE.test(current.message)) return true;
    pending.push(fields.cause, fields.meta?.driverAdapterError);
  }
  return false;
}
