import { getConfig } from "@/lib/config";

type Level = "debug" | "info" | "warn" | "error";

const RANK = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;

/** Fields of a log line; never put tokens, secrets or request bodies here. */
export type LogFields = Record<string, unknown>;

let threshold: number | undefined;
function enabled(level: Level): boolean {
  if (threshold === undefined) {
    try {
      threshold = RANK[getConfig().logLevel];
    } catch {
      threshold = RANK.info; // an invalid configuration is reported elsewhere; keep logging meanwhile
    }
  }
  return RANK[level] >= threshold;
}

function write(level: Level, event: string, fields: LogFields): void {
  if (!enabled(level)) return;
  const line = JSON.stringify({ level, time: new Date().toISOString(), event, ...fields });
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
}

/** Structured JSON logs: one line per event, `event` a stable dotted name such as `gate.denied`. */
export const log = {
  debug: (event: string, fields: LogFields = {}) => write("debug", event, fields),
  info: (event: string, fields: LogFields = {}) => write("info", event, fields),
  warn: (event: string, fields: LogFields = {}) => write("warn", event, fields),
  error: (event: string, fields: LogFields = {}) => write("error", event, fields),
};
