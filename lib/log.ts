import { AsyncLocalStorage } from "node:async_hooks";
import pino, { type Logger } from "pino";
import { getConfig } from "@/lib/config";
import { processKey, processSingleton } from "@/lib/process-state";

/** Fields of a log line. Tokens, secrets and request bodies are scrubbed, but do not put them here. */
export type LogFields = Record<string, unknown>;

/** What every line logged inside a request carries (see `withLogContext`). */
export interface LogContext {
  requestId: string;
}

const context = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` with `requestId` on every line it logs, however deep, so one id ties together the lines
 * of one request and the `request_id` in its error body.
 */
export function withLogContext<T>(logContext: LogContext, fn: () => T): T {
  return context.run(logContext, fn);
}

/** Keys whose values never reach a log line, at the top level or one level down. */
const SECRET_KEYS = [
  "authorization",
  "cookie",
  "set-cookie",
  "token",
  "access_token",
  "id_token",
  "refresh_token",
  "client_secret",
  "clientSecret",
  "secret",
  "password",
  "body",
  "rawBody",
  "payload",
];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [`["${key}"]`, `*["${key}"]`]);

/**
 * Values that look like credentials wherever they appear, e.g. inside an error message that quotes a
 * header: compact JWS/JWE, bearer and basic credentials, Stripe secret and webhook keys, API keys (not
 * their 8-character visible starts). Key-based
 * redaction (pino's `redact`) cannot see inside strings, so string values are scrubbed as well.
 */
const CREDENTIAL_PATTERN =
  /eyJ[\w-]{8,}(?:\.[\w-]*){2,4}|\b(?:Bearer|Basic)\s+[\w~+/.=-]{8,}|\b(?:sk|rk)_(?:test|live)_\w{8,}|\bwhsec_\w{8,}|\btg_(?:test|live)_[0-9A-Za-z]{20,}/g;

export function scrub(value: string): string {
  return value.replace(CREDENTIAL_PATTERN, "[redacted]");
}

function scrubFields(fields: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === "string") fields[key] = scrub(value);
  }
  return fields;
}

function configuredLevel(): string {
  try {
    return getConfig().logLevel;
  } catch {
    return "info"; // an invalid configuration is reported where it is loaded; keep logging meanwhile
  }
}

/** The app's pino logger; exported for tests, which pass their own destination. */
export function createLogger(level = configuredLevel(), destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    messageKey: "event",
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    formatters: {
      level: (label) => ({ level: label }),
      log: scrubFields,
    },
    mixin: () => context.getStore() ?? {},
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Where the process keeps its logger; tests put one there that writes to a stream they read. */
export const loggerKey = processKey<Logger>("logger");

// Created on first use, so the configuration is read after the environment is loaded.
const logger = () => processSingleton(loggerKey, () => createLogger());

/**
 * Structured JSON logs through pino: one line per event, `event` a stable dotted name such as
 * `gate.denied`, `requestId` on every line logged inside a request. README lists the events to alert on.
 */
export const log = {
  debug: (event: string, fields: LogFields = {}) => logger().debug(fields, event),
  info: (event: string, fields: LogFields = {}) => logger().info(fields, event),
  warn: (event: string, fields: LogFields = {}) => logger().warn(fields, event),
  error: (event: string, fields: LogFields = {}) => logger().error(fields, event),
};
