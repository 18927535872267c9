import { describe, expect, it } from "vitest";
import { GATE_ERROR_TABLE, problemTypeUri } from "./error-table";
import { GateError, type GateErrorCode } from "./errors";
import { bearerChallenge, gateErrorResponse, problemResponse } from "./problem-response";

const CODES = Object.keys(GATE_ERROR_TABLE) as GateErrorCode[];
const INVALID_TOKEN = (description: string) =>
  `Bearer realm="tollgate", error="invalid_token", error_description="${description}"`;

describe("GATE_ERROR_TABLE", () => {
  it.each(CODES)("%s has a status, a tollgate type and texts safe for a header", (code) => {
    const entry = GATE_ERROR_TABLE[code];
    expect([400, 401, 403, 503]).toContain(entry.status);
    expect(problemTypeUri(entry.problem)).toMatch(/^https:\/\/tollgate\.dev\/problems\/[a-z-]+$/);
    expect(entry.title.length).toBeGreaterThan(0);
    expect(entry.detail).not.toMatch(/["\\]/);
    if (entry.bearerError) expect(entry.challenge).toBe(true);
  });

  it("maps the codes to the statuses of RFC 6750", () => {
    const statuses = Object.fromEntries(CODES.map((code) => [code, GATE_ERROR_TABLE[code].status]));
    expect(statuses).toEqual({
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
    });
  });
});

describe("gateErrorResponse", () => {
  it("no token: 401 and a challenge without an error code (RFC 6750 §3.1)", async () => {
    const response = gateErrorResponse(new GateError("ERR_TOKEN_MISSING", "no bearer token"), {
      requestId: "req_1",
      instance: "/api/v1/widgets",
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="tollgate"');
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-request-id")).toBe("req_1");
    expect(await response.json()).toEqual({
      type: "https://tollgate.dev/problems/invalid-token",
      title: "Authentication required",
      status: 401,
      detail: GATE_ERROR_TABLE.ERR_TOKEN_MISSING.detail,
      instance: "/api/v1/widgets",
      request_id: "req_1",
    });
  });

  it("a bad signature: invalid_token, and the reason stays out of the response", async () => {
    const error = new GateError(
      "ERR_TOKEN_INVALID_SIGNATURE",
      "ERR_JWS_SIGNATURE_VERIFICATION_FAILED: signature verification failed",
    );
    const response = gateErrorResponse(error, { realm: "widgets-api" });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer realm="widgets-api", error="invalid_token", error_description="${GATE_ERROR_TABLE.ERR_TOKEN_INVALID_SIGNATURE.detail}"`,
    );
    const text = await response.text();
    expect(text).not.toMatch(/signature|JWS/i);
    expect(error.message).toBe("ERR_TOKEN_INVALID_SIGNATURE");
    expect(error.toLogFields()).toEqual({ code: "ERR_TOKEN_INVALID_SIGNATURE", reason: error.reason });
  });

  it("forged and broken tokens cannot be told apart from outside", async () => {
    const bodies = await Promise.all(
      (
        [
          "ERR_TOKEN_INVALID_SIGNATURE",
          "ERR_TOKEN_ALG_NOT_ALLOWED",
          "ERR_TOKEN_KID_UNKNOWN",
          "ERR_TOKEN_UNSUPPORTED_HEADER",
        ] as const
      ).map(async (code) => {
        const response = gateErrorResponse(new GateError(code, "precise"));
        return [response.headers.get("www-authenticate"), await response.text()];
      }),
    );
    expect(new Set(bodies.map((body) => JSON.stringify(body))).size).toBe(1);
  });

  it("expired: still invalid_token, with a detail that says to get a new token", () => {
    const response = gateErrorResponse(new GateError("ERR_TOKEN_EXPIRED", "exp"));
    expect(response.headers.get("www-authenticate")).toBe(
      INVALID_TOKEN(GATE_ERROR_TABLE.ERR_TOKEN_EXPIRED.detail),
    );
  });

  it("insufficient scope: 403 with scope and required_scopes", async () => {
    const error = new GateError("ERR_INSUFFICIENT_SCOPE", "missing", {
      requiredScopes: ["read:widgets", "write:widgets"],
    });
    const response = gateErrorResponse(error);
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer realm="tollgate", error="insufficient_scope", error_description="${GATE_ERROR_TABLE.ERR_INSUFFICIENT_SCOPE.detail}", scope="read:widgets write:widgets"`,
    );
    expect(await response.json()).toMatchObject({
      type: "https://tollgate.dev/problems/insufficient-scope",
      status: 403,
      required_scopes: ["read:widgets", "write:widgets"],
    });
  });

  it("token in the query: 400 invalid_request", async () => {
    const response = gateErrorResponse(new GateError("ERR_TOKEN_IN_QUERY", "query"));
    expect(response.status).toBe(400);
    expect(response.headers.get("www-authenticate")).toMatch(
      /^Bearer realm="tollgate", error="invalid_request"/,
    );
    expect(await response.json()).toMatchObject({ type: "https://tollgate.dev/problems/invalid-request" });
  });

  it("role required: 403 without a Bearer challenge", async () => {
    const response = gateErrorResponse(
      new GateError("ERR_ROLE_REQUIRED", "missing roles: billing-admin", {
        requiredRoles: ["billing-admin"],
      }),
    );
    expect(response.status).toBe(403);
    expect(response.headers.has("www-authenticate")).toBe(false);
    const body = await response.text();
    expect(body).toContain("https://tollgate.dev/problems/role-required");
    expect(body).not.toContain("billing-admin");
  });

  it("JWKS unavailable: 503 with Retry-After, no challenge", async () => {
    const response = gateErrorResponse(
      new GateError("ERR_JWKS_UNAVAILABLE", "down", { retryAfterSeconds: 12.3 }),
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("13");
    expect(response.headers.has("www-authenticate")).toBe(false);
    expect(await response.json()).toMatchObject({
      type: "https://tollgate.dev/problems/service-unavailable",
      status: 503,
    });
  });
});

describe("problemResponse", () => {
  it("405 with Allow, shaped like gate errors", async () => {
    const response = problemResponse({
      type: problemTypeUri("method-not-allowed"),
      title: "Method not allowed",
      status: 405,
      detail: "Use GET or POST.",
      requestId: "req_2",
      instance: "/api/v1/widgets",
      headers: { allow: "GET, POST" },
      extensions: { status: 200, allowed: ["GET", "POST"] },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, POST");
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toEqual({
      type: "https://tollgate.dev/problems/method-not-allowed",
      title: "Method not allowed",
      status: 405,
      detail: "Use GET or POST.",
      instance: "/api/v1/widgets",
      request_id: "req_2",
      allowed: ["GET", "POST"],
    });
  });
});

describe("bearerChallenge", () => {
  it("cannot be broken out of its quotes", () => {
    expect(
      bearerChallenge({
        realm: 'a"b\\c',
        error: "insufficient_scope",
        description: 'say "hi"\r\n',
        scope: ['x"y', "z"],
      }),
    ).toBe('Bearer realm="a\\"b\\\\c", error="insufficient_scope", error_description="say hi", scope="xy z"');
  });
});
