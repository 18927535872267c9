import { describe, expect, it } from "vitest";
import { LOCAL } from "./local-defaults";
import { ConfigError, loadConfig } from "./schema";

/** Secrets of this deployment's own, as a production server needs them. */
const OWN_SECRETS = { AUTH0_SECRET: "s".repeat(64), STRIPE_WEBHOOK_SECRET: "whsec_own_secret_for_tests" };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("runs on local defaults with an empty environment", () => {
    const config = loadConfig({});
    expect(config.mode).toBe("local");
    expect(config.db).toEqual({ kind: "pglite", dataDir: LOCAL.pgliteDataDir });
    expect(config.auth.mode).toBe("local");
    expect(config.gate.issuer).toBe(LOCAL.issuerUrl);
    expect(config.gate.jwksUri).toBe(`${LOCAL.issuerUrl}.well-known/jwks.json`);
    expect(config.gate.algorithms).toEqual(["RS256"]);
    expect(config.stripe).toMatchObject({ mode: "local", apiUrl: LOCAL.stripeApiUrl });
    expect(config.auth).toMatchObject({
      tenantUrl: LOCAL.issuerUrl,
      allowInsecureRequests: true,
      managementClientId: LOCAL.dashboardClientId,
    });
  });

  it("turns Stripe Tax on only when STRIPE_TAX=on, and refuses other values", () => {
    expect(loadConfig({}).stripe.tax).toBe(false);
    expect(loadConfig({ STRIPE_TAX: "" }).stripe.tax).toBe(false);
    expect(loadConfig({ STRIPE_TAX: "off" }).stripe.tax).toBe(false);
    expect(loadConfig({ STRIPE_TAX: "on" }).stripe.tax).toBe(true);
    expect(configError({ STRIPE_TAX: "yes" }).message).toMatch(/STRIPE_TAX/);
  });

  it("treats empty strings as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", AUTH0_DOMAIN: "", STRIPE_SECRET_KEY: "" }).mode).toBe("local");
  });

  it("switches each service to connected mode through its own variables", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://u:p@db.example.com:5432/app",
      AUTH0_DOMAIN: "tenant.eu.auth0.com",
      AUTH0_CLIENT_ID: "abc",
      AUTH0_CLIENT_SECRET: "shh",
      AUTH0_SECRET: "x".repeat(32),
      APP_BASE_URL: "https://app.example.com",
      AUTH0_AUDIENCE: "https://api.example.com",
      STRIPE_SECRET_KEY: "sk_test_123",
      STRIPE_WEBHOOK_SECRET: "whsec_123",
    });
    expect(config.mode).toBe("connected");
    expect(config.db).toEqual({
      kind: "postgres",
      url: "postgres://u:p@db.example.com:5432/app",
      directUrl: "postgres://u:p@db.example.com:5432/app",
      poolMax: 10,
      poolIdleTimeoutMs: 10_000,
    });
    expect(config.gate.issuer).toBe("https://tenant.eu.auth0.com/");
    expect(config.stripe.apiUrl).toBeUndefined();
    // The Auth0 SDK never talks to a connected tenant over http.
    expect(config.auth).toMatchObject({
      tenantUrl: "https://tenant.eu.auth0.com/",
      allowInsecureRequests: false,
      managementClientId: "abc",
      managementClientSecret: "shh",
    });
  });

  it("requires the management client's secret with its id", () => {
    const error = configError({ AUTH0_MANAGEMENT_CLIENT_ID: "m2m" });
    expect(error.issues.map((line) => line.split(":")[0])).toEqual(["AUTH0_MANAGEMENT_CLIENT_SECRET"]);
  });

  it("lists every missing variable of a half-configured service, with a hint", () => {
    const error = configError({ AUTH0_DOMAIN: "tenant.auth0.com", STRIPE_SECRET_KEY: "sk_test_1" });
    expect(error.code).toBe("ERR_CONFIG_INVALID");
    expect(error.issues.map((line) => line.split(":")[0])).toEqual([
      "AUTH0_CLIENT_ID",
      "AUTH0_CLIENT_SECRET",
      "AUTH0_SECRET",
      "APP_BASE_URL",
      "AUTH0_AUDIENCE",
      "STRIPE_WEBHOOK_SECRET",
    ]);
    expect(error.message).toContain("openssl rand -hex 32");
  });

  it("reports every invalid value at once", () => {
    const error = configError({
      DATABASE_URL: "mysql://localhost/db",
      AUTH0_ISSUER: "http://issuer.example.com/",
      GATE_ALGORITHMS: "RS256,HS256",
      GATE_CLOCK_TOLERANCE_SECONDS: "-1",
      STRIPE_SECRET_KEY: "pk_test_1",
    });
    const names = error.issues.map((line) => line.split(":")[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        "DATABASE_URL",
        "AUTH0_ISSUER",
        "GATE_ALGORITHMS",
        "GATE_CLOCK_TOLERANCE_SECONDS",
        "STRIPE_SECRET_KEY",
      ]),
    );
  });

  it("accepts http:// issuers on loopback only, and requires Auth0's trailing slash", () => {
    expect(loadConfig({ AUTH0_ISSUER: "http://127.0.0.1:4999/" }).gate.jwksUri).toBe(
      "http://127.0.0.1:4999/.well-known/jwks.json",
    );
    expect(configError({ AUTH0_ISSUER: "https://tenant.auth0.com" }).issues[0]).toMatch(/end with '\/'/);
  });

  it("reads operators' roles from the local issuer's claim in local mode, from GATE_ROLES_CLAIM only when connected", () => {
    expect(loadConfig({}).gate.rolesClaim).toBe(LOCAL.rolesClaim);
    expect(loadConfig({}).admin.role).toBe("admin");
    const custom = loadConfig({ GATE_ROLES_CLAIM: "https://example.com/roles", ADMIN_ROLE: "operator" });
    expect(custom.gate.rolesClaim).toBe("https://example.com/roles");
    expect(custom.admin.role).toBe("operator");
    const connected = loadConfig({
      AUTH0_DOMAIN: "tenant.eu.auth0.com",
      AUTH0_CLIENT_ID: "abc",
      AUTH0_CLIENT_SECRET: "shh",
      AUTH0_SECRET: "x".repeat(32),
      APP_BASE_URL: "https://app.example.com",
      AUTH0_AUDIENCE: "https://api.example.com",
    });
    expect(connected.gate.rolesClaim).toBeUndefined();
  });

  it("lets the gate's trust settings be set on their own in local mode", () => {
    const config = loadConfig({
      AUTH0_ISSUER: "https://login.example.com/",
      AUTH0_JWKS_URI: "https://keys.example.com/jwks.json",
      AUTH0_AUDIENCE: "https://api.example.com",
      GATE_ALGORITHMS: "RS256, ES256",
    });
    expect(config.auth.mode).toBe("local");
    expect(config.gate).toMatchObject({
      issuer: "https://login.example.com/",
      jwksUri: "https://keys.example.com/jwks.json",
      audience: "https://api.example.com",
      algorithms: ["RS256", "ES256"],
    });
  });

  it("finds the app and the local services where npm run dev put them", () => {
    const config = loadConfig({
      PORT: "3100",
      TOLLGATE_LOCAL_ISSUER_URL: "http://localhost:41234/",
      TOLLGATE_LOCAL_STRIPE_URL: "http://127.0.0.1:41235/",
    });
    expect(config.auth).toMatchObject({
      appBaseUrl: "http://localhost:3100",
      tenantUrl: "http://localhost:41234/",
      domain: "localhost:41234",
    });
    expect(config.gate).toMatchObject({
      issuer: "http://localhost:41234/",
      jwksUri: "http://localhost:41234/.well-known/jwks.json",
    });
    expect(config.stripe.apiUrl).toBe("http://127.0.0.1:41235");
    expect(config.local).toEqual({
      issuerUrl: "http://localhost:41234/",
      stripeUrl: "http://127.0.0.1:41235",
    });
    expect(loadConfig({}).local).toEqual({ issuerUrl: LOCAL.issuerUrl, stripeUrl: LOCAL.stripeApiUrl });
  });

  it("lets explicit settings win over the local services' addresses", () => {
    const config = loadConfig({
      PORT: "3100",
      APP_BASE_URL: "https://tunnel.example.com",
      AUTH0_ISSUER: "https://login.example.com/",
      STRIPE_API_URL: "http://localhost:5000",
      TOLLGATE_LOCAL_ISSUER_URL: "http://localhost:41234/",
      TOLLGATE_LOCAL_STRIPE_URL: "http://localhost:41235",
    });
    expect(config.auth.appBaseUrl).toBe("https://tunnel.example.com");
    expect(config.auth.tenantUrl).toBe("http://localhost:41234/");
    expect(config.gate.issuer).toBe("https://login.example.com/");
    expect(config.stripe.apiUrl).toBe("http://localhost:5000");
  });

  it("never points a connected service at a local one", () => {
    const config = loadConfig({
      AUTH0_DOMAIN: "tenant.eu.auth0.com",
      AUTH0_CLIENT_ID: "abc",
      AUTH0_CLIENT_SECRET: "shh",
      AUTH0_SECRET: "x".repeat(32),
      APP_BASE_URL: "https://app.example.com",
      AUTH0_AUDIENCE: "https://api.example.com",
      STRIPE_SECRET_KEY: "sk_test_123",
      STRIPE_WEBHOOK_SECRET: "whsec_123",
      TOLLGATE_LOCAL_ISSUER_URL: "http://localhost:41234/",
      TOLLGATE_LOCAL_STRIPE_URL: "http://localhost:41235",
    });
    expect(config.auth.tenantUrl).toBe("https://tenant.eu.auth0.com/");
    expect(config.gate.issuer).toBe("https://tenant.eu.auth0.com/");
    expect(config.stripe.apiUrl).toBeUndefined();
  });

  it.each([
    ["TOLLGATE_LOCAL_ISSUER_URL", "https://localhost:4010/", /must be http:\/\/localhost:<port>/],
    ["TOLLGATE_LOCAL_ISSUER_URL", "http://issuer.example.com:4010/", /must be http:\/\/localhost:<port>/],
    ["TOLLGATE_LOCAL_ISSUER_URL", "http://localhost/", /must be http:\/\/localhost:<port>/],
    ["TOLLGATE_LOCAL_ISSUER_URL", "http://localhost:4010", /end with '\/'/],
    ["TOLLGATE_LOCAL_STRIPE_URL", "http://stripe.example.com:4020", /must be http:\/\/localhost:<port>/],
    ["PORT", "0", /PORT:/],
    ["PORT", "http", /PORT:/],
  ])("refuses %s=%s", (name, value, message) => {
    const issue = configError({ [name]: value }).issues[0];
    expect(issue).toMatch(new RegExp(`^${name}:`));
    expect(issue).toMatch(message);
  });

  it("exchanges Basic client credentials by default with the local issuer only", () => {
    const connected = {
      AUTH0_DOMAIN: "tenant.eu.auth0.com",
      AUTH0_CLIENT_ID: "abc",
      AUTH0_CLIENT_SECRET: "shh",
      AUTH0_SECRET: "x".repeat(32),
      APP_BASE_URL: "https://app.example.com",
      AUTH0_AUDIENCE: "https://api.example.com",
    };
    expect(loadConfig({}).gate.basicExchange).toBe(true);
    expect(loadConfig({ GATE_BASIC_EXCHANGE: "0" }).gate.basicExchange).toBe(false);
    expect(loadConfig({ GATE_BASIC_EXCHANGE: "" }).gate.basicExchange).toBe(true);
    expect(loadConfig(connected).gate.basicExchange).toBe(false);
    expect(loadConfig({ ...connected, GATE_BASIC_EXCHANGE: "1" }).gate.basicExchange).toBe(true);
    expect(configError({ GATE_BASIC_EXCHANGE: "yes" }).issues[0]).toMatch(/^GATE_BASIC_EXCHANGE:/);
  });

  it("takes a direct URL for migrations beside the pooled one, and sizes the pool for the host", () => {
    const pooled = "postgres://u:p@ep-x-pooler.neon.tech/app?sslmode=require";
    const direct = "postgres://u:p@ep-x.neon.tech/app?sslmode=require";
    expect(loadConfig({ DATABASE_URL: pooled, DATABASE_URL_UNPOOLED: direct, VERCEL: "1" }).db).toEqual({
      kind: "postgres",
      url: pooled,
      directUrl: direct,
      poolMax: 5,
      poolIdleTimeoutMs: 5_000,
    });
    expect(
      loadConfig({ DATABASE_URL: pooled, DATABASE_POOL_MAX: "3", DATABASE_POOL_IDLE_TIMEOUT_MS: "1000" }).db,
    ).toMatchObject({ directUrl: pooled, poolMax: 3, poolIdleTimeoutMs: 1_000 });
    expect(configError({ DATABASE_URL_UNPOOLED: direct }).issues[0]).toMatch(/^DATABASE_URL: required when/);
  });

  it("reports from the API and on a timer where the process lives on, from the API alone on Vercel", () => {
    expect(loadConfig({}).usageReport).toEqual({ intervalSeconds: 60, timer: true, budgetSeconds: 25 });
    expect(loadConfig({ VERCEL: "1" }).usageReport).toEqual({
      intervalSeconds: 60,
      timer: false,
      budgetSeconds: 25,
    });
    expect(loadConfig({ USAGE_REPORT_INTERVAL_SECONDS: "0" }).usageReport.timer).toBe(false);
  });

  it("signs the event destination's thin events with its own secret, the local one only in local development", () => {
    expect(loadConfig({}).stripe.eventDestinationSecret).toBe(LOCAL.stripeEventDestinationSecret);
    const connected = { STRIPE_SECRET_KEY: "sk_test_1", STRIPE_WEBHOOK_SECRET: "whsec_1" };
    expect(loadConfig(connected).stripe.eventDestinationSecret).toBeUndefined();
    expect(
      loadConfig({ ...connected, STRIPE_EVENT_DESTINATION_SECRET: "whsec_events" }).stripe
        .eventDestinationSecret,
    ).toBe("whsec_events");
    expect(configError({ STRIPE_EVENT_DESTINATION_SECRET: "events-secret" }).issues[0]).toMatch(
      /^STRIPE_EVENT_DESTINATION_SECRET: starts with whsec_/,
    );
  });

  it("takes Redis as redis:// or rediss:// only", () => {
    expect(loadConfig({ REDIS_URL: "rediss://default:token@eu1.upstash.io:6379" }).redisUrl).toBe(
      "rediss://default:token@eu1.upstash.io:6379",
    );
    expect(configError({ REDIS_URL: "http://localhost:6379" }).issues[0]).toMatch(
      /^REDIS_URL: must be redis/,
    );
  });

  it("refuses local mode in production unless allowed explicitly", () => {
    const error = configError({ NODE_ENV: "production" });
    expect(error.issues[0]).toMatch(
      /DATABASE_URL, AUTH0_DOMAIN, STRIPE_SECRET_KEY: a production server refuses/,
    );
    expect(
      loadConfig({ NODE_ENV: "production", TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION: "1", ...OWN_SECRETS }).mode,
    ).toBe("local");
  });

  it("refuses the published local secrets in production, even with TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION", () => {
    const allowed = { NODE_ENV: "production", TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION: "1" };
    // Unset, the session and webhook secrets would be the repository's: anyone could mint a session
    // cookie for any user, or sign a Stripe event.
    expect(configError(allowed).issues.map((line) => line.split(":")[0])).toEqual([
      "AUTH0_SECRET",
      "STRIPE_WEBHOOK_SECRET",
    ]);
    const published = { AUTH0_SECRET: LOCAL.sessionSecret, STRIPE_WEBHOOK_SECRET: LOCAL.stripeWebhookSecret };
    expect(configError({ ...allowed, ...published }).issues).toHaveLength(2);
    expect(
      configError({
        ...allowed,
        ...OWN_SECRETS,
        STRIPE_EVENT_DESTINATION_SECRET: LOCAL.stripeEventDestinationSecret,
      }).issues[0],
    ).toMatch(/^STRIPE_EVENT_DESTINATION_SECRET: not the local default/);
    expect(loadConfig({ ...allowed, ...OWN_SECRETS }).auth.sessionSecret).toBe(OWN_SECRETS.AUTH0_SECRET);
  });

  it("requires an https APP_BASE_URL in production (http only for localhost)", () => {
    const production = { NODE_ENV: "production", TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION: "1", ...OWN_SECRETS };
    expect(configError({ ...production, APP_BASE_URL: "http://app.example.com" }).issues[0]).toMatch(
      /^APP_BASE_URL: must be https/,
    );
    expect(loadConfig({ ...production, APP_BASE_URL: "http://localhost:3100" }).auth.appBaseUrl).toBe(
      "http://localhost:3100",
    );
    expect(loadConfig({ APP_BASE_URL: "http://app.example.com" }).auth.appBaseUrl).toBe(
      "http://app.example.com",
    );
  });

  it("requires CRON_SECRET on Vercel in production, where the daily cron needs it", () => {
    const production = { NODE_ENV: "production", TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION: "1", ...OWN_SECRETS };
    expect(configError({ ...production, VERCEL: "1" }).issues[0]).toMatch(/^CRON_SECRET: required on Vercel/);
    expect(loadConfig({ ...production, VERCEL: "1", CRON_SECRET: "c".repeat(32) }).cronSecret).toBe(
      "c".repeat(32),
    );
    // Elsewhere `npm start` reports on its own timer: the cron route is off without a secret.
    expect(loadConfig(production).cronSecret).toBeUndefined();
  });
});
