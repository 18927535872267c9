import { describe, expect, it } from "vitest";
import { GateError, type GateErrorCode } from "./errors";
import { extractBearerToken, extractToken, type Credentials } from "./extract-token";

const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
const basic = (value: string) => `Basic ${Buffer.from(value).toString("base64")}`;

function request(headers: Record<string, string>, url = "https://api.example.com/api/v1/widgets"): Request {
  return new Request(url, { headers });
}

type Case = { name: string; headers: Record<string, string>; url?: string; cookieName?: string } & (
  { expected: Credentials | null } | { code: GateErrorCode }
);

const cases: Case[] = [
  { name: "no credentials", headers: {}, expected: null },
  {
    name: "Bearer",
    headers: { authorization: `Bearer ${JWT}` },
    expected: { kind: "bearer", token: JWT, source: "authorization" },
  },
  {
    name: "scheme is case-insensitive",
    headers: { authorization: `bEARER ${JWT}` },
    expected: { kind: "bearer", token: JWT, source: "authorization" },
  },
  {
    name: "several spaces after the scheme (1*SP)",
    headers: { authorization: `Bearer   ${JWT}` },
    expected: { kind: "bearer", token: JWT, source: "authorization" },
  },
  {
    name: "b64token with padding and ~+/",
    headers: { authorization: "Bearer a~b+c/d==" },
    expected: { kind: "bearer", token: "a~b+c/d==", source: "authorization" },
  },
  { name: "empty bearer", headers: { authorization: "Bearer" }, code: "ERR_TOKEN_MALFORMED" },
  { name: "bearer with only spaces", headers: { authorization: "Bearer    " }, code: "ERR_TOKEN_MALFORMED" },
  { name: "two tokens", headers: { authorization: `Bearer ${JWT} ${JWT}` }, code: "ERR_TOKEN_MALFORMED" },
  {
    name: "two schemes in one header",
    headers: { authorization: `Bearer ${JWT}, Basic YTpi` },
    code: "ERR_TOKEN_MALFORMED",
  },
  {
    name: "bearer after another scheme",
    headers: { authorization: `Digest x, Bearer ${JWT}` },
    code: "ERR_TOKEN_MALFORMED",
  },
  {
    name: "characters outside b64token",
    headers: { authorization: 'Bearer a"b' },
    code: "ERR_TOKEN_MALFORMED",
  },
  { name: "padding in the middle", headers: { authorization: "Bearer ab=cd" }, code: "ERR_TOKEN_MALFORMED" },
  {
    name: "unsupported scheme alone is no bearer token",
    headers: { authorization: "Token abc" },
    expected: null,
  },
  {
    name: "Basic client credentials",
    headers: { authorization: basic("client-1:s3cr%3At") },
    expected: { kind: "basic", clientId: "client-1", clientSecret: "s3cr:t" },
  },
  {
    name: "Basic secret may contain colons",
    headers: { authorization: basic("id:a:b") },
    expected: { kind: "basic", clientId: "id", clientSecret: "a:b" },
  },
  {
    name: "Basic without colon",
    headers: { authorization: basic("just-an-id") },
    code: "ERR_TOKEN_MALFORMED",
  },
  {
    name: "Basic without client id",
    headers: { authorization: basic(":secret") },
    code: "ERR_TOKEN_MALFORMED",
  },
  {
    name: "Basic with bad percent-encoding",
    headers: { authorization: basic("id:%zz") },
    code: "ERR_TOKEN_MALFORMED",
  },
  { name: "Basic with junk", headers: { authorization: "Basic !!!" }, code: "ERR_TOKEN_MALFORMED" },
  {
    name: "cookie on a same-origin request",
    cookieName: "at",
    headers: { cookie: `theme=dark; at=${JWT}; x=1`, "sec-fetch-site": "same-origin" },
    expected: { kind: "bearer", token: JWT, source: "cookie" },
  },
  {
    name: "quoted cookie on a request the user typed",
    cookieName: "at",
    headers: { cookie: `at="${JWT}"`, "sec-fetch-site": "none" },
    expected: { kind: "bearer", token: JWT, source: "cookie" },
  },
  {
    name: "cookie with X-Requested-With (no Fetch Metadata)",
    cookieName: "at",
    headers: { cookie: `at=${JWT}`, "x-requested-with": "XMLHttpRequest" },
    expected: { kind: "bearer", token: JWT, source: "cookie" },
  },
  {
    name: "cookie on another site's request (<img src>): CSRF",
    cookieName: "at",
    headers: { cookie: `at=${JWT}`, "sec-fetch-site": "cross-site" },
    code: "ERR_COOKIE_CROSS_SITE",
  },
  {
    name: "cookie on a sibling subdomain's request",
    cookieName: "at",
    headers: { cookie: `at=${JWT}`, "sec-fetch-site": "same-site" },
    code: "ERR_COOKIE_CROSS_SITE",
  },
  {
    name: "cookie with neither Fetch Metadata nor X-Requested-With",
    cookieName: "at",
    headers: { cookie: `at=${JWT}` },
    code: "ERR_COOKIE_CROSS_SITE",
  },
  {
    name: "a header token on a cross-site request (no ambient credential)",
    cookieName: "at",
    headers: { authorization: `Bearer ${JWT}`, "sec-fetch-site": "cross-site" },
    expected: { kind: "bearer", token: JWT, source: "authorization" },
  },
  { name: "cookie ignored without cookieName", headers: { cookie: `at=${JWT}` }, expected: null },
  { name: "empty cookie is absent", cookieName: "at", headers: { cookie: "at=" }, expected: null },
  {
    name: "cookie with bad characters",
    cookieName: "at",
    headers: { cookie: "at=a%20b" },
    code: "ERR_TOKEN_MALFORMED",
  },
  {
    name: "header wins over cookie",
    cookieName: "at",
    headers: { authorization: `Bearer ${JWT}`, cookie: "at=other" },
    expected: { kind: "bearer", token: JWT, source: "authorization" },
  },
  {
    name: "access_token in the query",
    headers: {},
    url: `https://a.example/x?access_token=${JWT}`,
    code: "ERR_TOKEN_IN_QUERY",
  },
  {
    name: "access_token in the query even with a header",
    headers: { authorization: `Bearer ${JWT}` },
    url: `https://a.example/x?a=1&access_token=${JWT}`,
    code: "ERR_TOKEN_IN_QUERY",
  },
  {
    name: "percent-encoded access_token name",
    headers: {},
    url: "https://a.example/x?access%5Ftoken=abc",
    code: "ERR_TOKEN_IN_QUERY",
  },
  {
    name: "empty access_token parameter",
    headers: {},
    url: "https://a.example/x?access_token",
    code: "ERR_TOKEN_IN_QUERY",
  },
  {
    name: "other query parameters are fine",
    headers: {},
    url: "https://a.example/x?token_type=a&my_access_token=b#access_token=c",
    expected: null,
  },
];

describe("extractToken", () => {
  it.each(cases)("$name", (testCase) => {
    const run = () =>
      extractToken(request(testCase.headers, testCase.url), { cookieName: testCase.cookieName });
    if ("expected" in testCase) {
      expect(run()).toEqual(testCase.expected);
      return;
    }
    expect(run).toThrow(GateError);
    try {
      run();
    } catch (error) {
      expect((error as GateError).code).toBe(testCase.code);
      expect((error as GateError).reason).not.toContain(JWT);
    }
  });
});

describe("extractBearerToken", () => {
  it("returns the token", () => {
    expect(extractBearerToken(request({ authorization: `Bearer ${JWT}` }))).toBe(JWT);
  });

  it.each([
    ["no credentials", {}],
    ["Basic credentials", { authorization: basic("id:secret") }],
    ["another scheme", { authorization: "DPoP abc" }],
  ])("ERR_TOKEN_MISSING for %s", (_name, headers: Record<string, string>) => {
    expect(() => extractBearerToken(request(headers))).toThrow(
      expect.objectContaining({ code: "ERR_TOKEN_MISSING" }),
    );
  });
});
