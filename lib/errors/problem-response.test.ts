import { describe, expect, it } from "vitest";
import { GateError } from "@/lib/gate/errors";
import { ERROR_TABLE } from "./error-table";
import { bearerChallenge, problemResponse } from "./problem-response";
import { TollgateError } from "./tollgate-error";

const INVALID_TOKEN = (description: string) =>
  `Bearer realm="tollgate", error="invalid_token", error_description="${description}"`;

const WHERE = { requestId: "req_1", instance: "/api/v1/widgets" };

/** The whole body of a problem answered from {@link WHERE}. */
function bodyFrom(type: string, title: string, status: number, detail: string | undefined) {
  const fields = { type: `https://tollgate.dev/problems/${type}`, title, status, detail };
  return { ...fields, instance: WHERE.instance, request_id: WHERE.requestId };
}

async function answer(error: TollgateError, context?: Parameters<typeof problemResponse>[1]) {
  const response = problemResponse(error, context);
  return { response, body: (await response.json()) as Record<string, unknown> };
}

describe("problemResponse of gate errors", () => {
  it("no token: 401 and a challenge without an error code (RFC 6750 §3.1)", async () => {
    const { response, body } = await answer(new GateError("ERR_TOKEN_MISSING", "no bearer token"), WHERE);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="tollgate"');
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-request-id")).toBe("req_1");
    expect(body).toEqual(
      bodyFrom("invalid-token", "Authentication required", 401, ERROR_TABLE.ERR_TOKEN_MISSING.detail),
    );
  });

  it("a bad signature: invalid_token, and the reason stays out of the response", async () => {
    const error = new GateError(
      "ERR_TOKEN_INVALID_SIGNATURE",
      "ERR_JWS_SIGNATURE_VERIFICATION_FAILED: signature verification failed",
    );
    const response = problemResponse(error, { realm: "widgets-api" });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer realm="widgets-api", error="invalid_token", error_description="${ERROR_TABLE.ERR_TOKEN_INVALID_SIGNATURE.detail}"`,
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
        const response = problemResponse(new GateError(code, "precise"));
        return [response.headers.get("www-authenticate"), await response.text()];
      }),
    );
    expect(new Set(bodies.map((body) => JSON.stringify(body))).size).toBe(1);
  });

  it("expired: still invalid_token, with a detail that says to get a new token", () => {
    const response = problemResponse(new GateError("ERR_TOKEN_EXPIRED", "exp"));
    expect(response.headers.get("www-authenticate")).toBe(
      INVALID_TOKEN(ERROR_TABLE.ERR_TOKEN_EXPIRED.detail ?? ""),
    );
  });

  it("insufficient scope: 403 with scope and required_scopes", async () => {
    const error = new GateError("ERR_INSUFFICIENT_SCOPE", "missing", {
      requiredScopes: ["read:widgets", "write:widgets"],
    });
    const { response, body } = await answer(error);
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer realm="tollgate", error="insufficient_scope", error_description="${ERROR_TABLE.ERR_INSUFFICIENT_SCOPE.detail}", scope="read:widgets write:widgets"`,
    );
    expect(body).toMatchObject({
      type: "https://tollgate.dev/problems/insufficient-scope",
      status: 403,
      required_scopes: ["read:widgets", "write:widgets"],
    });
  });

  it("token in the query: 400 invalid_request", async () => {
    const { response, body } = await answer(new GateError("ERR_TOKEN_IN_QUERY", "query"));
    expect(response.status).toBe(400);
    expect(response.headers.get("www-authenticate")).toMatch(
      /^Bearer realm="tollgate", error="invalid_request"/,
    );
    expect(body).toMatchObject({ type: "https://tollgate.dev/problems/invalid-request" });
  });

  it("role required: 403 without a Bearer challenge", async () => {
    const response = problemResponse(
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
    const { response, body } = await answer(
      new GateError("ERR_JWKS_UNAVAILABLE", "down", { retryAfterSeconds: 12.3 }),
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("13");
    expect(response.headers.has("www-authenticate")).toBe(false);
    expect(body).toMatchObject({ type: "https://tollgate.dev/problems/service-unavailable", status: 503 });
  });
});

describe("problemResponse of other errors", () => {
  it("405 with Allow and an extension member, which cannot override a standard one", async () => {
    const error = new TollgateError("ERR_METHOD_NOT_ALLOWED", {
      detail: "This path accepts GET, POST.",
      headers: { allow: "GET, POST" },
      extensions: { status: 200, allowed: ["GET", "POST"] },
    });
    const { response, body } = await answer(error, WHERE);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, POST");
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(body).toEqual({
      ...bodyFrom("method-not-allowed", "Method not allowed", 405, "This path accepts GET, POST."),
      allowed: ["GET", "POST"],
    });
  });

  it("refused Basic credentials: a Basic and a Bearer challenge, one per scheme (RFC 9110 §11.6.1)", () => {
    const response = problemResponse(new TollgateError("ERR_BASIC_CREDENTIALS_REFUSED"), { realm: "api" });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      `Basic realm="api", Bearer realm="api", error="invalid_token", error_description="${ERROR_TABLE.ERR_BASIC_CREDENTIALS_REFUSED.detail}"`,
    );
  });

  it("the answer's headers go with the error's own, which win", () => {
    const error = new TollgateError("ERR_QUOTA_EXCEEDED", {
      detail: "Used up.",
      headers: { ratelimit: '"free";r=0;t=1' },
      retryAfterSeconds: 60,
    });
    const response = problemResponse(error, { headers: { ratelimit: "stale", "ratelimit-policy": "p" } });
    expect(Object.fromEntries(response.headers)).toMatchObject({
      ratelimit: '"free";r=0;t=1',
      "ratelimit-policy": "p",
      "retry-after": "60",
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
