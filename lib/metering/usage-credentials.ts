import type { VerifiedToken } from "@/lib/gate";

/** The kinds of credential a call's usage is attributed to. */
export type CredentialKind = "key" | "client" | "user";

/**
 * The credential a verified call is attributed to in `credential_usage`: `key:<api key id>`,
 * `client:<client id>` for a machine's token, `user:<auth0 sub>` for a person's.
 *
 * @example credentialOf({ kind: "machine", subject: "abc@clients" }) // "client:abc"
 */
export function credentialOf(
  caller: Pick<VerifiedToken, "kind" | "subject" | "clientId" | "apiKey">,
): string {
  if (caller.apiKey) return `key:${caller.apiKey.id}`;
  if (caller.kind === "key") return caller.subject;
  if (caller.kind === "machine") {
    const clientId = caller.subject.endsWith("@clients")
      ? caller.subject.slice(0, -"@clients".length)
      : (caller.clientId ?? caller.subject);
    return `client:${clientId}`;
  }
  return `user:${caller.subject}`;
}

/** A stored credential split into its kind and id; null for a value no call writes. */
export function parseCredential(credential: string): { kind: CredentialKind; id: string } | null {
  const colon = credential.indexOf(":");
  const kind = credential.slice(0, colon);
  const id = credential.slice(colon + 1);
  if (colon < 0 || id === "" || (kind !== "key" && kind !== "client" && kind !== "user")) return null;
  return { kind, id };
}
