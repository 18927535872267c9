import { describe, expect, it } from "vitest";
import { credentialOf, parseCredential } from "./usage-credentials";

const KEY_ID = "5b1c0f3e-8d4a-4c2b-9e6f-1a2b3c4d5e6f";

describe("credentialOf", () => {
  it.each([
    [
      "an API key",
      { kind: "key", subject: `key:${KEY_ID}`, clientId: null, apiKey: { id: KEY_ID } },
      `key:${KEY_ID}`,
    ],
    [
      "a machine's token",
      { kind: "machine", subject: "abc123@clients", clientId: "abc123" },
      "client:abc123",
    ],
    [
      "a machine's token without @clients",
      { kind: "machine", subject: "odd", clientId: "azp-id" },
      "client:azp-id",
    ],
    ["a person's token", { kind: "person", subject: "auth0|64f1", clientId: "dashboard" }, "user:auth0|64f1"],
  ] as const)("names %s", (_name, caller, expected) => {
    const apiKey =
      "apiKey" in caller
        ? { ...caller.apiKey, customerId: "c", rateLimitPerSecond: null, lastUsedAt: null }
        : undefined;
    expect(credentialOf({ ...caller, apiKey })).toBe(expected);
  });
});

describe("parseCredential", () => {
  it.each([
    [`key:${KEY_ID}`, { kind: "key", id: KEY_ID }],
    ["client:abc123", { kind: "client", id: "abc123" }],
    ["user:google-oauth2|1:2", { kind: "user", id: "google-oauth2|1:2" }],
    ["key:", null],
    ["team:x", null],
    ["no-colon", null],
  ])("reads %s", (credential, expected) => {
    expect(parseCredential(credential)).toEqual(expected);
  });
});
