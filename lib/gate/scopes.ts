import { GateError } from "./errors";

/**
 * Scopes an operation requires: `allOf` every one (the default; absent or empty means none), `anyOf`
 * at least one. An object with both must satisfy both.
 */
export type ScopeRequirement = { allOf?: readonly string[] } | { anyOf: readonly string[] };

/**
 * Throws ERR_INSUFFICIENT_SCOPE unless `granted` satisfies `required`. The error carries every scope of
 * the requirement (not only the missing ones), as RFC 6750 §3 defines `scope="..."`.
 *
 * @example
 *   checkScopes(token.scopes, { allOf: ["read:widgets"] });
 * @throws {TypeError} when `anyOf` is empty: nobody could ever pass, which is a catalog mistake.
 */
export function checkScopes(granted: ReadonlySet<string>, required: ScopeRequirement): void {
  const allOf = "allOf" in required ? (required.allOf ?? []) : [];
  const anyOf = "anyOf" in required ? required.anyOf : undefined;
  if (anyOf !== undefined && anyOf.length === 0) throw new TypeError("anyOf must list at least one scope");

  const allGranted = allOf.every((scope) => granted.has(scope));
  const anyGranted = anyOf === undefined || anyOf.some((scope) => granted.has(scope));
  if (allGranted && anyGranted) return;

  const requiredScopes = [...new Set([...allOf, ...(anyOf ?? [])])];
  const missing = allOf.filter((scope) => !granted.has(scope));
  throw new GateError(
    "ERR_INSUFFICIENT_SCOPE",
    anyGranted ? `missing scopes: ${missing.join(" ")}` : `none of the scopes: ${(anyOf ?? []).join(" ")}`,
    { requiredScopes },
  );
}
