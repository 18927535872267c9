import { createHash, randomInt } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Stripe-style id: `cus_` + 14 random base62 characters (`mtr_test_`, `cs_test_`, ... keep Stripe's prefixes). */
export function newId(prefix: string, length = 14): string {
  let out = "";
  for (let i = 0; i < length; i++) out += BASE62[randomInt(BASE62.length)];
  return `${prefix}_${out}`;
}

/** A stable id derived from its parts, for objects Stripe computes on read (summaries, entitlements). */
export function derivedId(prefix: string, ...parts: Array<string | number>): string {
  const digest = createHash("sha256").update(parts.join("\u0000")).digest();
  let out = "";
  for (let i = 0; i < 24; i++) out += BASE62[(digest[i] ?? 0) % BASE62.length];
  return `${prefix}_${out}`;
}
