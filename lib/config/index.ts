import "server-only";

export { loadConfig, ConfigError, type Config } from "./schema";
import { loadConfig, type Config } from "./schema";

let cached: Config | undefined;

/**
 * The validated configuration, read from `process.env` once per process.
 *
 * @throws {ConfigError} listing every missing or invalid variable with a one-line hint.
 * @example const { db } = getConfig(); if (db.kind === "pglite") ...
 */
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}
