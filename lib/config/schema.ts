import { z } from "zod";
import { LOCAL } from "./local-defaults";

/** Thrown when the environment is incomplete or invalid; `issues` has one line per variable. */
export class ConfigError extends Error {
  readonly code = "ERR_CONFIG_INVALID";
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((line) => `  - ${line}`).join("\n")}\nSee .env.example.`);
    this.name = "ConfigError";
  }
}

// Empty strings count as unset (a `.env` line `FOO=` must not switch a service to connected mode).
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function isHttpsOrLoopback(value: string): boolean {
  const url = new URL(value);
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
}

/** `https://` anywhere, `http://` only for loopback hosts (the local services, tests). */
const serviceUrl = z.url().refine((value) => isHttpsOrLoopback(value), {
  message: "must be https:// (http:// is allowed only for localhost)",
});

/** A local service's address: it listens on loopback, over http, on the port the URL names. */
const localServiceUrl = z.url().refine(
  (value) => {
    const url = new URL(value);
    return url.protocol === "http:" && LOOPBACK.has(url.hostname) && url.port !== "";
  },
  { message: "must be http://localhost:<port> (the local services listen on loopback)" },
);

const postgresUrl = z
  .url()
  .refine((v) => /^postgres(ql)?:$/.test(new URL(v).protocol), "must be postgres://");
const redisUrl = z
  .url()
  .refine((v) => /^rediss?:$/.test(new URL(v).protocol), "must be redis:// or rediss://");

const LOOPBACK_SMTP = (value: string) => LOOPBACK.has(new URL(value).hostname);
const smtpUrl = z
  .url()
  .refine(
    (v) => /^smtps?:$/.test(new URL(v).protocol),
    "must be smtp://user:pass@host:587 or smtps://user:pass@host:465",
  );
/** A mailbox as RFC 5322 writes it: `billing@example.com` or `Example <billing@example.com>`. */
const mailbox = z
  .string()
  .regex(
    /^(?:[^<>@\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/,
    "an address such as Example <billing@example.com>",
  );

const seconds = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const csv = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean),
    );

const JWS_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
];

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION: optional(z.enum(["1", "true"])),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  PORT: optional(z.coerce.number().int().min(1).max(65_535)),

  DATABASE_URL: optional(postgresUrl),
  DATABASE_URL_UNPOOLED: optional(postgresUrl),
  DATABASE_POOL_MAX: optional(z.coerce.number().int().min(1).max(100)),
  DATABASE_POOL_IDLE_TIMEOUT_MS: optional(z.coerce.number().int().min(100)),
  PGLITE_DATA_DIR: optional(z.string()),
  DB_HEALTH_TIMEOUT_MS: z.coerce.number().int().positive().default(2000),

  AUTH0_DOMAIN: optional(
    z.string().regex(/^[a-z0-9.-]+(:\d+)?$/i, "a host name such as tenant.us.auth0.com"),
  ),
  AUTH0_CLIENT_ID: optional(z.string()),
  AUTH0_CLIENT_SECRET: optional(z.string()),
  AUTH0_SECRET: optional(z.string().min(32, "at least 32 characters (openssl rand -hex 32)")),
  APP_BASE_URL: optional(z.url()),
  AUTH0_AUDIENCE: optional(z.string().min(1)),
  AUTH0_MANAGEMENT_CLIENT_ID: optional(z.string().min(1)),
  AUTH0_MANAGEMENT_CLIENT_SECRET: optional(z.string().min(1)),
  AUTH0_ISSUER: optional(serviceUrl.refine((v) => v.endsWith("/"), "must end with '/' as Auth0's iss does")),
  AUTH0_JWKS_URI: optional(serviceUrl),

  GATE_ALGORITHMS: csv("RS256").pipe(z.array(z.enum(JWS_ALGORITHMS)).min(1)),
  GATE_CLOCK_TOLERANCE_SECONDS: seconds(5),
  GATE_MAX_TOKEN_BYTES: z.coerce.number().int().min(512).default(8192),
  GATE_TOKEN_COOKIE: optional(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "a cookie name")),
  GATE_ROLES_CLAIM: optional(z.string().min(1)),
  GATE_REQUIRED_ROLES: csv(""),
  ADMIN_ROLE: optional(z.string().min(1)),
  GATE_JWKS_REFRESH_SECONDS: seconds(900),
  GATE_JWKS_COOLDOWN_SECONDS: seconds(30),
  GATE_JWKS_MAX_AGE_SECONDS: seconds(6 * 3600),
  GATE_BASIC_EXCHANGE: optional(z.enum(["0", "1", "true", "false"])),
  GATE_BASIC_EXCHANGES_PER_MINUTE: z.coerce.number().int().positive().default(600),

  STRIPE_SECRET_KEY: optional(z.string().regex(/^(sk|rk)_(test|live)_/, "a Stripe secret key (sk_test_...)")),
  STRIPE_WEBHOOK_SECRET: optional(z.string().startsWith("whsec_", "starts with whsec_")),
  STRIPE_EVENT_DESTINATION_SECRET: optional(z.string().startsWith("whsec_", "starts with whsec_")),
  STRIPE_API_URL: optional(serviceUrl),

  STRIPE_METER_EVENTS_API: z.enum(["auto", "v2", "v1"]).default("auto"),
  STRIPE_TAX: optional(z.enum(["on", "off"])),

  REDIS_URL: optional(redisUrl),
  CUSTOMER_ACCESS_CACHE_SECONDS: z.coerce.number().nonnegative().default(5),
  CALLER_CACHE_SECONDS: z.coerce.number().nonnegative().default(2),

  USAGE_REPORT_INTERVAL_SECONDS: seconds(60),
  USAGE_REPORT_BUDGET_SECONDS: z.coerce.number().int().min(1).max(800).default(25),
  RATE_LIMIT_SCALE: z.coerce.number().positive().default(1),
  VERCEL: optional(z.string()),
  TOLLGATE_LOCAL_ISSUER_URL: optional(
    localServiceUrl.refine((v) => v.endsWith("/"), "must end with '/' as Auth0's iss does"),
  ),
  TOLLGATE_LOCAL_STRIPE_URL: optional(localServiceUrl),
  CRON_SECRET: optional(z.string().min(16, "at least 16 characters")),

  SMTP_URL: optional(smtpUrl),
  EMAIL_FROM: optional(mailbox),
  TOLLGATE_LOCAL_SMTP_URL: optional(
    smtpUrl.refine((v) => LOOPBACK_SMTP(v) && new URL(v).port !== "", "must be smtp://localhost:<port>"),
  ),
});

const HINTS: Record<string, string> = {
  DATABASE_URL: "leave unset for embedded PGlite, or e.g. postgres://user:pass@host:5432/db",
  DATABASE_URL_UNPOOLED: "the direct (not pooled) URL of the same database, for migrations",
  REDIS_URL: "e.g. redis://127.0.0.1:6379, or rediss://default:token@host:6379 (Upstash)",
  AUTH0_DOMAIN: "your tenant domain from the Auth0 dashboard, without https://",
  AUTH0_CLIENT_ID: "Auth0 dashboard > Applications > your Regular Web Application",
  AUTH0_CLIENT_SECRET: "Auth0 dashboard > Applications > your Regular Web Application",
  AUTH0_SECRET: "generate with: openssl rand -hex 32",
  APP_BASE_URL: "the public URL of this app, e.g. https://tollgate.example.com",
  AUTH0_AUDIENCE: "Auth0 dashboard > APIs > your API's Identifier",
  AUTH0_MANAGEMENT_CLIENT_SECRET: "Auth0 dashboard > Applications > your Machine-to-Machine application",
  STRIPE_WEBHOOK_SECRET: "Stripe dashboard > Developers > Webhooks > signing secret",
  STRIPE_EVENT_DESTINATION_SECRET: "Stripe dashboard > Developers > Event destinations > signing secret",
  CRON_SECRET: "generate with: openssl rand -hex 32",
  SMTP_URL: "your mail provider's SMTP relay, e.g. smtps://user:password@smtp.example.com:465",
  EMAIL_FROM: "the sender of Tollgate's emails, e.g. Example <billing@example.com>",
  TOLLGATE_LOCAL_SMTP_URL:
    "where the local mail catcher listens, e.g. smtp://localhost:4025 (npm run dev sets it)",
  PORT: "the port the app listens on, e.g. 3100",
  TOLLGATE_LOCAL_ISSUER_URL:
    "where the local issuer listens, e.g. http://localhost:4010/ (npm run dev sets it)",
  TOLLGATE_LOCAL_STRIPE_URL:
    "where the local Stripe sandbox listens, e.g. http://localhost:4020 (npm run dev sets it)",
};

export type Mode = "local" | "connected";

/**
 * What a production server needs beyond completeness: secrets nobody else knows, an https address,
 * and, on Vercel, the cron's secret. The local defaults' secrets are published in this repository:
 * with TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION they would let anyone mint a session cookie for any user or
 * sign Stripe events, so that flag requires real ones.
 */
function productionProblems(env: z.infer<typeof envSchema>): string[] {
  const problems: string[] = [];
  if (env.TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION) {
    const published = { AUTH0_SECRET: LOCAL.sessionSecret, STRIPE_WEBHOOK_SECRET: LOCAL.stripeWebhookSecret };
    for (const [name, value] of Object.entries(published) as Array<[keyof typeof published, string]>) {
      if (env[name] === undefined || env[name] === value) {
        problems.push(
          `${name}: required in production with TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION, and not the local default ` +
            `published in this repository (${HINTS[name] ?? "see .env.example"})`,
        );
      }
    }
  }
  if (env.STRIPE_EVENT_DESTINATION_SECRET === LOCAL.stripeEventDestinationSecret) {
    problems.push(
      "STRIPE_EVENT_DESTINATION_SECRET: not the local default published in this repository in production " +
        `(${HINTS.STRIPE_EVENT_DESTINATION_SECRET})`,
    );
  }
  if (env.APP_BASE_URL && !isHttpsOrLoopback(env.APP_BASE_URL)) {
    problems.push(
      "APP_BASE_URL: must be https:// in production (the session cookie is only safe over TLS); " +
        "http:// is allowed only for localhost",
    );
  }
  if (env.VERCEL && env.CRON_SECRET === undefined) {
    problems.push(
      "CRON_SECRET: required on Vercel, whose daily cron (vercel.json) reports the usage no call " +
        `triggered and authenticates with it (${HINTS.CRON_SECRET})`,
    );
  }
  return problems;
}

/** Where the data lives: a PostgreSQL server, through a pool sized for the host, or embedded PGlite. */
export type DatabaseConfig =
  | {
      kind: "postgres";
      /** The app's URL: a pooled one (PgBouncer, Supavisor, Neon's pooler) in production. */
      url: string;
      /** A direct connection for migrations, whose session-level advisory lock a pooler breaks. */
      directUrl?: string;
      poolMax?: number;
      poolIdleTimeoutMs?: number;
    }
  | { kind: "pglite"; dataDir: string };

function databaseConfig(env: z.infer<typeof envSchema>, serverless: boolean): DatabaseConfig {
  if (!env.DATABASE_URL) return { kind: "pglite", dataDir: env.PGLITE_DATA_DIR ?? LOCAL.pgliteDataDir };
  return {
    kind: "postgres",
    url: env.DATABASE_URL,
    directUrl: env.DATABASE_URL_UNPOOLED ?? env.DATABASE_URL,
    // Every instance holds a pool of its own: where instances are many, keep it small and let go of
    // idle connections quickly, so the database's connection limit holds.
    poolMax: env.DATABASE_POOL_MAX ?? (serverless ? 5 : 10),
    poolIdleTimeoutMs: env.DATABASE_POOL_IDLE_TIMEOUT_MS ?? (serverless ? 5_000 : 10_000),
  };
}

/** The SMTP relay emails are sent through, or none (emails off). */
export interface EmailConfig {
  smtpUrl: string | undefined;
  from: string;
  requireTls: boolean;
  /** Sent to the local mail catcher, which `npm run dev` and the browser tests start. */
  local: boolean;
}

function emailConfig(env: z.infer<typeof envSchema>, mode: Mode): EmailConfig {
  const local = env.SMTP_URL === undefined && mode === "local";
  const smtpUrl = env.SMTP_URL ?? (local ? (env.TOLLGATE_LOCAL_SMTP_URL ?? LOCAL.smtpUrl) : undefined);
  return {
    local,
    smtpUrl,
    from: env.EMAIL_FROM ?? LOCAL.emailFrom,
    requireTls: smtpUrl !== undefined && new URL(smtpUrl).protocol === "smtp:" && !LOOPBACK_SMTP(smtpUrl),
  };
}

export type Config = ReturnType<typeof buildConfig>;

/**
 * Validates an environment and derives the typed configuration. Pure: pass `process.env` or a test's
 * own object.
 *
 * @throws {ConfigError} listing every missing or invalid variable.
 */
export function loadConfig(env: Record<string, string | undefined>) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? "environment");
        const hint = HINTS[name];
        return `${name}: ${issue.message}${hint ? ` (${hint})` : ""}`;
      }),
    );
  }
  return buildConfig(parsed.data);
}

function buildConfig(env: z.infer<typeof envSchema>) {
  const problems: string[] = [];
  const require = (name: keyof typeof env, when: string) => {
    if (env[name] === undefined)
      problems.push(`${name}: required when ${when} (${HINTS[name] ?? "see .env.example"})`);
  };

  const authMode: Mode = env.AUTH0_DOMAIN ? "connected" : "local";
  if (authMode === "connected") {
    for (const name of [
      "AUTH0_CLIENT_ID",
      "AUTH0_CLIENT_SECRET",
      "AUTH0_SECRET",
      "APP_BASE_URL",
      "AUTH0_AUDIENCE",
    ] as const) {
      require(name, "AUTH0_DOMAIN is set");
    }
  }
  if (env.AUTH0_MANAGEMENT_CLIENT_ID)
    require("AUTH0_MANAGEMENT_CLIENT_SECRET", "AUTH0_MANAGEMENT_CLIENT_ID is set");
  if (env.DATABASE_URL_UNPOOLED && !env.DATABASE_URL) {
    problems.push("DATABASE_URL: required when DATABASE_URL_UNPOOLED is set (the pooled URL the app uses)");
  }
  const stripeMode: Mode = env.STRIPE_SECRET_KEY ? "connected" : "local";
  if (stripeMode === "connected") require("STRIPE_WEBHOOK_SECRET", "STRIPE_SECRET_KEY is set");

  const mode: Mode =
    authMode === "local" || stripeMode === "local" || !env.DATABASE_URL ? "local" : "connected";
  if (env.NODE_ENV === "production" && mode === "local" && !env.TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION) {
    const missing = [
      !env.DATABASE_URL && "DATABASE_URL",
      authMode === "local" && "AUTH0_DOMAIN",
      stripeMode === "local" && "STRIPE_SECRET_KEY",
    ].filter(Boolean);
    problems.push(
      `${missing.join(", ")}: a production server refuses local mode; set them (docs/deploy.md), ` +
        "or TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION=1 to run the local services on purpose",
    );
  }
  if (env.SMTP_URL && mode === "connected") require("EMAIL_FROM", "SMTP_URL is set");
  if (env.NODE_ENV === "production") problems.push(...productionProblems(env));
  if (problems.length > 0) throw new ConfigError(problems);

  const serverless = Boolean(env.VERCEL);
  const local = {
    issuerUrl: env.TOLLGATE_LOCAL_ISSUER_URL ?? LOCAL.issuerUrl,
    stripeUrl: (env.TOLLGATE_LOCAL_STRIPE_URL ?? LOCAL.stripeApiUrl).replace(/\/$/, ""),
  };
  const issuer = env.AUTH0_ISSUER ?? (env.AUTH0_DOMAIN ? `https://${env.AUTH0_DOMAIN}/` : local.issuerUrl);

  return {
    mode,
    production: env.NODE_ENV === "production",
    logLevel: env.LOG_LEVEL,
    /** On Vercel: many short-lived instances, each of which may be frozen between requests. */
    serverless,
    db: databaseConfig(env, serverless),
    /** Shared rate limits and cache invalidations across instances; unset: PostgreSQL and TTLs. */
    redisUrl: env.REDIS_URL,
    /**
     * How stale a process's cached answers may be: a plan change (webhook) and a revoked client reach
     * other instances within these bounds, and within milliseconds when Redis carries invalidations.
     */
    cacheSeconds: { customerAccess: env.CUSTOMER_ACCESS_CACHE_SECONDS, caller: env.CALLER_CACHE_SECONDS },
    dbHealthTimeoutMs: env.DB_HEALTH_TIMEOUT_MS,
    /**
     * Where the local issuer and Stripe sandbox listen when they stand in for Auth0 and Stripe: the
     * defaults, or the free ports `npm run dev` gave them so that several checkouts can run at once.
     */
    local,
    auth: {
      mode: authMode,
      domain: env.AUTH0_DOMAIN ?? new URL(local.issuerUrl).host,
      clientId: env.AUTH0_CLIENT_ID ?? LOCAL.dashboardClientId,
      clientSecret: env.AUTH0_CLIENT_SECRET ?? LOCAL.dashboardClientSecret,
      sessionSecret: env.AUTH0_SECRET ?? LOCAL.sessionSecret,
      appBaseUrl: env.APP_BASE_URL ?? (env.PORT ? `http://localhost:${env.PORT}` : LOCAL.appBaseUrl),
      /**
       * The tenant's own URL, where sign-in and the Management API live (not a custom domain): the
       * local issuer in local mode. Passed to the SDK as a full URL so `http://` survives locally.
       */
      tenantUrl: authMode === "connected" ? `https://${env.AUTH0_DOMAIN}/` : local.issuerUrl,
      /**
       * Lets the Auth0 SDK talk to an `http://` issuer. Only ever true in local mode (the loopback
       * issuer); a connected tenant is always reached over https.
       */
      allowInsecureRequests: authMode === "local",
      /** The client that calls the Management API (create and delete machine clients). */
      managementClientId: env.AUTH0_MANAGEMENT_CLIENT_ID ?? env.AUTH0_CLIENT_ID ?? LOCAL.dashboardClientId,
      managementClientSecret: env.AUTH0_MANAGEMENT_CLIENT_ID
        ? (env.AUTH0_MANAGEMENT_CLIENT_SECRET ?? "")
        : (env.AUTH0_CLIENT_SECRET ?? LOCAL.dashboardClientSecret),
    },
    /** What the API gate trusts; settable on its own in any mode (custom domains, other issuers). */
    gate: {
      issuer,
      jwksUri: env.AUTH0_JWKS_URI ?? `${issuer}.well-known/jwks.json`,
      audience: env.AUTH0_AUDIENCE ?? LOCAL.audience,
      algorithms: env.GATE_ALGORITHMS,
      clockToleranceSeconds: env.GATE_CLOCK_TOLERANCE_SECONDS,
      maxTokenBytes: env.GATE_MAX_TOKEN_BYTES,
      tokenCookie: env.GATE_TOKEN_COOKIE,
      // With the local issuer, people's roles are in its claim, so the demo admin (Alice) is an operator.
      rolesClaim: env.GATE_ROLES_CLAIM ?? (authMode === "local" ? LOCAL.rolesClaim : undefined),
      requiredRoles: env.GATE_REQUIRED_ROLES,
      jwksRefreshSeconds: env.GATE_JWKS_REFRESH_SECONDS,
      jwksCooldownSeconds: env.GATE_JWKS_COOLDOWN_SECONDS,
      jwksMaxAgeSeconds: env.GATE_JWKS_MAX_AGE_SECONDS,
      /**
       * Accept `Authorization: Basic client_id:client_secret` and exchange it at the issuer for a token.
       * On by default only with the local issuer: in production it puts every such request's secret in
       * this app's hands and spends the tenant's machine-to-machine token quota.
       */
      basicExchange:
        env.GATE_BASIC_EXCHANGE === undefined
          ? authMode === "local"
          : env.GATE_BASIC_EXCHANGE === "1" || env.GATE_BASIC_EXCHANGE === "true",
      /** Basic exchanges that may reach the issuer per minute across all instances. */
      basicExchangesPerMinute: env.GATE_BASIC_EXCHANGES_PER_MINUTE,
    },
    /**
     * Who may open the operator's view (/dashboard/admin): people whose verified API access token
     * carries this role in the gate's roles claim (GATE_ROLES_CLAIM); without that claim, nobody.
     */
    admin: { role: env.ADMIN_ROLE ?? "admin" },
    /**
     * API keys say which Stripe they bill through: `tg_live_...` with a live Stripe key (sk_live_,
     * rk_live_), `tg_test_...` in test mode and with the local sandbox. Keys of the other environment
     * are refused by their shape.
     */
    apiKeys: {
      environment: /^(sk|rk)_live_/.test(env.STRIPE_SECRET_KEY ?? "") ? ("live" as const) : ("test" as const),
    },
    stripe: {
      mode: stripeMode,
      secretKey: env.STRIPE_SECRET_KEY ?? LOCAL.stripeSecretKey,
      webhookSecret: env.STRIPE_WEBHOOK_SECRET ?? LOCAL.stripeWebhookSecret,
      /**
       * Signs the thin events of the event destination (`/api/stripe/events`: meter error reports);
       * unset (and never the published local one in production), the route refuses every delivery.
       */
      eventDestinationSecret:
        env.STRIPE_EVENT_DESTINATION_SECRET ??
        (stripeMode === "local" && env.NODE_ENV !== "production"
          ? LOCAL.stripeEventDestinationSecret
          : undefined),
      apiUrl: env.STRIPE_API_URL ?? (stripeMode === "local" ? local.stripeUrl : undefined),
      /** Meter events through the v2 stream (batches of 100), v1 (one call each), or v2 falling back to v1. */
      meterEventsApi: env.STRIPE_METER_EVENTS_API,
      /**
       * Stripe Tax at Checkout (`automatic_tax`, a required billing address saved on the customer).
       * Off by default: Stripe refuses it until the account has its origin address and registrations.
       */
      tax: env.STRIPE_TAX === "on",
    },
    /** Multiplies every plan's rate limit (load tests and benchmarks; incidents). Default 1. */
    rateLimitScale: env.RATE_LIMIT_SCALE,
    usageReport: {
      /**
       * Each instance starts a reporter run at most this often, after a metered answer (and, in a
       * long-running server, on a timer as well); 0 turns both off, leaving the cron route.
       */
      intervalSeconds: env.USAGE_REPORT_INTERVAL_SECONDS,
      /** A timer only where the process outlives its requests (`npm start`, `npm run dev`). */
      timer: !serverless && env.USAGE_REPORT_INTERVAL_SECONDS > 0,
      /** How long one run may keep sending before it stops and leaves the rest to the next. */
      budgetSeconds: env.USAGE_REPORT_BUDGET_SECONDS,
    },
    /**
     * Where emails go: an SMTP relay, or in local mode the local mail catcher (`npm run dev` starts
     * it). Unset outside local mode: no email is sent. Plain smtp:// to another host must upgrade
     * with STARTTLS, so a password never crosses the network in clear.
     */
    email: emailConfig(env, mode),
    cronSecret: env.CRON_SECRET ?? (env.NODE_ENV === "production" ? undefined : LOCAL.cronSecret),
  };
}
