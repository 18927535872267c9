import pg from "pg";
import { describe, expect, it } from "vitest";
import { Prisma } from "@/lib/generated/prisma/client";
import { isDatabaseUnavailable } from "./database-unavailable";

// The errors below are the shapes seen when test/faults/postgres-outage.int.test.ts crashes a server.

function prismaError(code: string, driverAdapterCause?: Record<string, unknown>) {
  return new Prisma.PrismaClientKnownRequestError("Invalid `prisma.x()` invocation", {
    code,
    clientVersion: Prisma.prismaVersion.client,
    meta: driverAdapterCause
      ? { driverAdapterError: { name: "DriverAdapterError", cause: driverAdapterCause } }
      : {},
  });
}

function sqlState(code: string) {
  const error = new pg.DatabaseError("server says no", 0, "error");
  error.code = code;
  return error;
}

function socketError(code: string) {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: "connect", errno: -1 });
}

const cyclic: Error & { cause?: unknown } = new Error("loops");
cyclic.cause = cyclic;

describe("isDatabaseUnavailable", () => {
  it.each([
    ["a connection lost mid-query (pg)", new Error("Connection terminated unexpectedly"), true],
    ["a connect timeout (pg)", new Error("Connection terminated due to connection timeout"), true],
    [
      "a broken client (pg)",
      new Error("Client has encountered a connection error and is not queryable"),
      true,
    ],
    ["a pool timeout (pg-pool)", new Error("timeout exceeded when trying to connect"), true],
    ["a refused connection", socketError("ECONNREFUSED"), true],
    ["a reset connection", socketError("ECONNRESET"), true],
    ["can't reach the server (Prisma)", prismaError("P1001", { kind: "DatabaseNotReachable" }), true],
    ["the server closed the connection (Prisma)", prismaError("P1017"), true],
    ["a raw query that could not reach it", prismaError("P2010", { kind: "DatabaseNotReachable" }), true],
    ["a server still starting", prismaError("P2039", { kind: "postgres", code: "57P03" }), true],
    ["an immediate shutdown", sqlState("57P01"), true],
    ["a crash shutdown", sqlState("57P02"), true],
    ["a connection failure", sqlState("08006"), true],
    ["too many connections", sqlState("53300"), true],
    ["a unique violation (Prisma)", prismaError("P2002"), false],
    ["a unique violation (pg)", sqlState("23505"), false],
    ["a syntax error", prismaError("P2010", { kind: "postgres", code: "42601" }), false],
    ["a programming error", new TypeError("x is undefined"), false],
    ["an error whose cause is itself", cyclic, false],
    ["a string", "Connection terminated unexpectedly", false],
    ["nothing", undefined, false],
  ])("%s: %s", (_name, error, expected) => {
    expect(isDatabaseUnavailable(error)).toBe(expected);
  });

  it("looks through causes", () => {
    expect(isDatabaseUnavailable(new Error("report failed", { cause: socketError("ECONNREFUSED") }))).toBe(
      true,
    );
  });
});
