"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getAuth0 } from "@/lib/auth/auth0";
import {
  grantableScopes,
  issueMachineClient,
  MachineClientError,
  revokeMachineClient,
} from "@/lib/auth/machine-clients";
import { ManagementError } from "@/lib/auth/management";
import { requireAccount } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";

export type CreateClientState =
  | { status: "idle" }
  | { status: "error"; message: string }
  | { status: "created"; name: string; clientId: string; clientSecret: string; scopes: string[] };

const createInput = z.object({
  name: z.string().trim().min(1, "Give the client a name.").max(64, "Use at most 64 characters."),
  scopes: z.array(z.string()).min(1, "Choose at least one scope."),
});

function plainMessage(error: unknown, fallback: string): string {
  if (error instanceof MachineClientError || error instanceof ManagementError) return error.message;
  log.error("dashboard.client_action_failed", { error: String(error) });
  return fallback;
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
    const { client, clientSecret } = await issueMachineClient(getDb(), account.customerId, {
      name: parsed.data.name,
      scopes,
    });
    revalidatePath("/dashboard/api");
    return { status: "created", name: client.name, clientId: client.clientId, clientSecret, scopes };
  } catch (error) {
    return { status: "error", message: plainMessage(error, "The client could not be created. Try again.") };
  }
}

export type RevokeClientState = { status: "idle" } | { status: "error" | "revoked"; message: string };

// Server action – revoke one of the signed-in customer's machine clients
export async function revokeClientAction(
  _previous: RevokeClientState,
  form: FormData,
): Promise<RevokeClientState> {
  const account = await requireAccount();
  const id = z.uuid().safeParse(form.get("id"));
  if (!id.success) return { status: "error", message: "That client does not exist." };
  try {
    const client = await revokeMachineClient(getDb(), account.customerId, id.data);
    revalidatePath("/dashboard/api");
    return { status: "revoked", message: `${client.name} is revoked; its tokens no longer work.` };
  } catch (error) {
    return { status: "error", message: plainMessage(error, "The client could not be revoked. Try again.") };
  }
}

export type TokenState =
  { status: "idle" } | { status: "error"; message: string } | { status: "ok"; token: string };

// Server action – the signed-in person's own access token for the API (refreshed when it is stale)
export async function revealTokenAction(): Promise<TokenState> {
  await requireAccount();
  try {
    const { token } = await getAuth0().getAccessToken();
    return { status: "ok", token };
  } catch (error) {
    log.warn("dashboard.token_unavailable", { error: String(error) });
    return { status: "error", message: "Your session has no API token. Sign out and sign in again." };
  }
}
