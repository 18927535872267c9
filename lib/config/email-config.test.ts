import { describe, expect, it } from "vitest";
import { LOCAL } from "./local-defaults";
import { ConfigError, loadConfig } from "./schema";

const CONNECTED = {
  DATABASE_URL: "postgres://u:p@db.example.com:5432/app",
  AUTH0_DOMAIN: "tenant.eu.auth0.com",
  AUTH0_CLIENT_ID: "abc",
  AUTH0_CLIENT_SECRET: "shh",
  AUTH0_SECRET: "x".repeat(32),
  APP_BASE_URL: "https://app.example.com",
  AUTH0_AUDIENCE: "https://api.example.com",
  STRIPE_SECRET_KEY: "sk_test_123",
  STRIPE_WEBHOOK_SECRET: "whsec_123",
};

function issues(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("email configuration", () => {
  it("sends to the local mail catcher in local mode, or where npm run dev started it", () => {
    expect(loadConfig({}).email).toEqual({
      local: true,
      smtpUrl: LOCAL.smtpUrl,
      from: LOCAL.emailFrom,
      requireTls: false,
    });
    expect(loadConfig({ TOLLGATE_LOCAL_SMTP_URL: "smtp://localhost:40251" }).email.smtpUrl).toBe(
      "smtp://localhost:40251",
    );
  });

  it("sends nothing outside local mode until SMTP_URL is set", () => {
    expect(loadConfig(CONNECTED).email).toMatchObject({ local: false, smtpUrl: undefined });
    // In local mode too, a relay of one's own replaces the catcher.
    expect(
      loadConfig({ SMTP_URL: "smtp://localhost:2525", EMAIL_FROM: "me@example.com" }).email,
    ).toMatchObject({ local: false, smtpUrl: "smtp://localhost:2525", requireTls: false });
  });

  it("takes an SMTP relay with its sender, and asks STARTTLS of plain smtp:// to another host", () => {
    const relay = loadConfig({
      ...CONNECTED,
      SMTP_URL: "smtp://apikey:secret@smtp.example.com:587",
      EMAIL_FROM: "Example Billing <billing@example.com>",
    }).email;
    expect(relay).toEqual({
      local: false,
      smtpUrl: "smtp://apikey:secret@smtp.example.com:587",
      from: "Example Billing <billing@example.com>",
      requireTls: true,
    });
    const implicitTls = loadConfig({
      ...CONNECTED,
      SMTP_URL: "smtps://u:p@smtp.example.com:465",
      EMAIL_FROM: "billing@example.com",
    });
    expect(implicitTls.email.requireTls).toBe(false);
  });

  it.each([
    ["http://smtp.example.com", "SMTP_URL: must be smtp://user:pass@host:587 or smtps://user:pass@host:465"],
    ["smtp.example.com:587", "SMTP_URL: "],
  ])("refuses SMTP_URL=%s with a clear error", (value, message) => {
    const lines = issues({ SMTP_URL: value });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
    expect(lines[0]).toContain("smtps://user:password@smtp.example.com:465");
  });

  it("refuses a sender that is not an address, and requires one with a relay outside local mode", () => {
    expect(issues({ EMAIL_FROM: "Tollgate" })[0]).toMatch(/^EMAIL_FROM: an address such as/);
    expect(issues({ ...CONNECTED, SMTP_URL: "smtps://u:p@smtp.example.com:465" })).toEqual([
      expect.stringMatching(/^EMAIL_FROM: required when SMTP_URL is set/),
    ]);
    expect(issues({ TOLLGATE_LOCAL_SMTP_URL: "smtp://mail.example.com:25" })[0]).toContain(
      "must be smtp://localhost:<port>",
    );
  });
});
