"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { checkApiAccess } from "@/lib/auth/api-access";
import { createClientAsPerson, revokeClientAsPerson } from "@/lib/auth/client-actions";
import { AuthError, type AuthErrorCode } from "@/lib/auth/errors";
import { grantableScopes } from "@/lib/auth/machine-clients";
import { getManagementApi } from "@/lib/auth/management";
import { requireAccount, sessionAccessToken } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";

/** A refusal to show: `code` is stable (absent for unexpected failures), `message` says what to do. */
export type ActionError = { status: "error"; message: string; code?: AuthErrorCode };

export type CreateClientState =
  | { status: "idle" }
  | ActionError
  | { status: "created"; name: string; clientId: string; clientSecret: string; scopes: string[] };

const createInput = z.object({
  name: z.string().trim().min(1, "Give the client a name.").max(64, "Use at most 64 characters."),
  scopes: z.array(z.string()).min(1, "Choose at least one scope."),
});

function refusal(error: unknown, fallback: string): ActionError {
  if (error instanceof AuthError) return { status: "error", message: error.message, code: error.code };
  log.error("dashboard.client_action_failed", { error: String(error) });
  return { status: "error", message: fallback };
}

// Server action – create a machine client for the signed-in customer; the secret is returned once
export async function createClientAction(
  _previous: CreateClientState,
  form: FormData,
): Promise<CreateClientState> {
  const account = await requireAccount();
  const parsed = createInput.safeParse({ name: form.get("name"), scopes: form.getAll("scopes") });
  if (!parsed.success)
    return { status: "error", message: parsed.error.issues[0]?.message ?? "Invalid input." };
  const allowed = new Set(grantableScopes());
  const scopes = parsed.data.scopes.filter((scope) => allowed.has(scope));
  if (scopes.length !== parsed.data.scopes.length) return { status: "error", message: "Unknown scope." };
  try {
    const { client, clientSecret } = await createClientAsPerson(
      { customerId: account.customerId, accessToken: await sessionAccessToken() },
      { name: parsed.data.name, scopes },
      { db: getDb(), management: getManagementApi() },
    );
    revalidatePath("/dashboard/api");
    return { status: "created", name: client.name, clientId: client.clientId, clientSecret, scopes };
  } catch (error) {
    return refusal(error, "The client could not be created. Try again.");
  }
}

export type RevokeClientState = { status: "idle" } | ActionError | { status: "revoked"; message: string };

// Server action – revoke one of the signed-in customer's machine clients
export async function revokeClientAction(
  _previous: RevokeClientState,
  form: FormData,
): Promise<RevokeClientState> {
  const account = await requireAccount();
  const id = z.uuid().safeParse(form.get("id"));
  if (!id.success) return { status: "error", message: "That client does not exist." };
  try {
    const client = await revokeClientAsPerson(account.customerId, id.data, {
      db: getDb(),
      management: getManagementApi(),
    });
    revalidatePath("/dashboard/api");
    return { status: "revoked", message: `${client.name} is revoked; its tokens no longer work.` };
  } catch (error) {
    return refusal(error, "The client could not be revoked. Try again.");
  }
}

export type TokenState = { status: "idle" } | ActionError | { status: "ok"; token: string };

// Server action – the signed-in person's own access token for the API (refreshed when it is stale),
// only when the API itself would accept it (GATE_REQUIRED_ROLES)
export async function revealTokenAction(): Promise<TokenState> {
  await requireAccount();
  try {
    const token = await sessionAccessToken();
    await checkApiAccess(token);
    return { status: "ok", token };
  } catch (error) {
    return refusal(error, "Your API token could not be read. Sign out and sign in again.");
  }
}
