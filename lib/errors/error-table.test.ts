import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_TABLE, PROBLEM_TYPES, problemType, type ErrorCode, type ProblemName } from "./error-table";

const CODES = Object.keys(ERROR_TABLE) as ErrorCode[];
const ROOT = path.resolve(import.meta.dirname, "../..");

/** The app's own sources (not its tests, not this folder): where every code must be thrown. */
async function appSources(): Promise<string> {
  const dirs = ["app", "lib", "product"];
  const listed = await Promise.all(dirs.map((dir) => readdir(path.join(ROOT, dir), { recursive: true })));
  const files = dirs
    .flatMap((dir, index) => (listed[index] ?? []).map((name) => path.join(dir, name)))
    .filter((file) => /\.tsx?$/.test(file) && !/\.test\.tsx?$/.test(file))
    .filter((file) => !file.startsWith("lib/errors/") && !file.startsWith("lib/generated/"));
  const texts = await Promise.all(
    [...files, "proxy.ts"].map((file) => readFile(path.join(ROOT, file), "utf8")),
  );
  return texts.join("\n");
}

describe("ERROR_TABLE", () => {
  it.each(CODES)("%s has a status, a tollgate type, a title, and texts safe for a header", (code) => {
    const entry = ERROR_TABLE[code];
    const { status, title } = PROBLEM_TYPES[entry.problem];
    expect(status).toBeGreaterThanOrEqual(400);
    expect(problemType(entry.problem)).toMatch(/^https:\/\/tollgate\.dev\/problems\/[a-z-]+$/);
    expect(title.length).toBeGreaterThan(0);
    if (entry.challenge) expect(entry.detail ?? "").not.toMatch(/["\\]/);
  });

  it("maps the gate's codes to the statuses of RFC 6750", () => {
    const expected: Partial<Record<ErrorCode, number>> = {
      ERR_TOKEN_MISSING: 401,
      ERR_TOKEN_MALFORMED: 401,
      ERR_TOKEN_TOO_LARGE: 401,
      ERR_TOKEN_INVALID_SIGNATURE: 401,
      ERR_TOKEN_EXPIRED: 401,
      ERR_TOKEN_NOT_YET_VALID: 401,
      ERR_TOKEN_CLAIM_INVALID: 401,
      ERR_TOKEN_ALG_NOT_ALLOWED: 401,
      ERR_TOKEN_KID_UNKNOWN: 401,
      ERR_TOKEN_UNSUPPORTED_HEADER: 401,
      ERR_TOKEN_IN_QUERY: 400,
      ERR_COOKIE_CROSS_SITE: 403,
      ERR_INSUFFICIENT_SCOPE: 403,
      ERR_ROLE_REQUIRED: 403,
      ERR_JWKS_UNAVAILABLE: 503,
      ERR_API_KEY_INVALID: 401,
      ERR_API_KEY_EXPIRED: 401,
    };
    const statuses = Object.fromEntries(
      Object.keys(expected).map((code) => [
        code,
        PROBLEM_TYPES[ERROR_TABLE[code as ErrorCode].problem].status,
      ]),
    );
    expect(statuses).toEqual(expected);
  });

  it("answers with every problem type, and each code is thrown somewhere in the app", async () => {
    const answered = new Set(CODES.map((code) => ERROR_TABLE[code].problem));
    expect([...answered].sort()).toEqual((Object.keys(PROBLEM_TYPES) as ProblemName[]).sort());
    const sources = await appSources();
    expect(CODES.filter((code) => !sources.includes(`"${code}"`))).toEqual([]);
  });
});
