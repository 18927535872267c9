import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { z } from "zod";

/**
 * Reads a local service's state file. A missing file is a fresh start; one that is not JSON or does
 * not match `schema` (an older format, a partial write by hand) is set aside with a warning rather
 * than stopping the service: it only ever holds what `npm run dev` created on this machine.
 */
export function readStateFile<Schema extends z.ZodType>(
  file: string,
  schema: Schema,
  label: string,
): z.output<Schema> | undefined {
  let raw: string;
  try {
    raw = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    console.warn(`[${label}] ignoring unreadable state file ${file}`);
    return undefined;
  }
  return parsed.data;
}

/** Writes a state file atomically (a temporary file renamed over it), readable by its owner only. */
export function writeStateFile(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, JSON.stringify(data), { mode: 0o600 });
  renameSync(temporary, file);
}
