"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { checkApiAccess } from "@/lib/auth/api-access";
import { createApiKeyAsPerson, revokeApiKey } from "@/lib/auth/api-keys";
import { createClientAsPerson, revokeClientAsPerson } from "@/lib/auth/client-actions";
import { grantableScopes } from "@/lib/auth/machine-clients";
import { getManagementApi } from "@/lib/auth/management";
import { sessionAccessToken } from "@/lib/auth/session";
import {
  noInput,
  repeatedField,
  validatedActionWithAccount,
  type ActionState,
} from "@/lib/auth/validated-action";
import { getDb } from "@/lib/db";

export type CreateClientState = ActionState<{
  status: "created";
  name: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
}>;

const createInput = z.object({
  name: z.string().trim().min(1, "Give the client a name.").max(64, "Use at most 64 characters."),
  scopes: repeatedField(
    z
      .array(z.string())
      .min(1, "Choose at least one scope.")
      .refine((scopes) => scopes.every((scope) => grantableScopes().includes(scope)), "Unknown scope."),
  ),
});

// Server action – create a machine client for the signed-in customer; the secret is returned once
export const createClientAction = validatedActionWithAccount(
  createInput,
  async ({ name, scopes }, account): Promise<CreateClientState> => {
    const { client, clientSecret } = await createClientAsPerson(
      { customerId: account.customerId, accessToken: await sessionAccessToken() },
      { name, scopes },
      { db: getDb(), management: getManagementApi() },
    );
    revalidatePath("/dashboard/api");
    return { status: "created", name: client.name, clientId: client.clientId, clientSecret, scopes };
  },
  {
    permission: "keys:manage",
    event: "dashboard.client_action_failed",
    message: "The client could not be created. Try again.",
  },
);

export type RevokeClientState = ActionState<{ status: "revoked"; message: string }>;

// Server action – revoke one of the signed-in customer's machine clients
export const revokeClientAction = validatedActionWithAccount(
  z.object({ id: z.uuid("That client does not exist.") }),
  async ({ id }, account): Promise<RevokeClientState> => {
    const client = await revokeClientAsPerson(account.customerId, id, {
      db: getDb(),
      management: getManagementApi(),
    });
    revalidatePath("/dashboard/api");
    return { status: "revoked", message: `${client.name} is revoked; its tokens no longer work.` };
  },
  {
    permission: "keys:manage",
    event: "dashboard.client_action_failed",
    message: "The client could not be revoked. Try again.",
  },
);

export type TokenState = ActionState<{ status: "ok"; token: string }>;

// Server action – the signed-in person's own access token for the API (refreshed when it is stale),
// only when the API itself would accept it (GATE_REQUIRED_ROLES)
export const revealTokenAction = validatedActionWithAccount(
  noInput,
  async (): Promise<TokenState> => {
    const token = await sessionAccessToken();
    await checkApiAccess(token);
    return { status: "ok", token };
  },
  {
    permission: "keys:manage",
    event: "dashboard.client_action_failed",
    message: "Your API token could not be read. Sign out and sign in again.",
  },
);

export type CreateKeyState = ActionState<{
  status: "created";
  name: string;
  key: string;
  scopes: string[];
}>;

/** An optional whole number in a text field: empty is undefined. */
const optionalWhole = (message: string, max: number) =>
  z.preprocess(
    (value) => (value === "" || value === undefined ? undefined : value),
    z.coerce.number(message).int(message).min(1, message).max(max, message).optional(),
  );

const createKeyInput = z.object({
  name: z.string().trim().min(1, "Give the key a name.").max(64, "Use at most 64 characters."),
  scopes: repeatedField(z.array(z.string()).min(1, "Choose at least one scope.")),
  expiresInDays: optionalWhole("Expiry: a whole number of days from 1 to 3650, or empty.", 3650),
  rateLimitPerSecond: optionalWhole(
    "Rate limit: a whole number of calls a second from 1 to 10000, or empty.",
    10_000,
  ),
});

// Server action – create an API key for the signed-in customer; the key is returned once
export const createKeyAction = validatedActionWithAccount(
  createKeyInput,
  async (request, account): Promise<CreateKeyState> => {
    const { apiKey, key } = await createApiKeyAsPerson(
      { customerId: account.customerId, accessToken: await sessionAccessToken() },
      request,
      { db: getDb() },
    );
    revalidatePath("/dashboard/api");
    return { status: "created", name: apiKey.name, key, scopes: apiKey.scopes };
  },
  {
    permission: "keys:manage",
    event: "dashboard.key_action_failed",
    message: "The key could not be created. Try again.",
  },
);

export type RevokeKeyState = ActionState<{ status: "revoked"; message: string }>;

// Server action – revoke one of the signed-in customer's API keys
export const revokeKeyAction = validatedActionWithAccount(
  z.object({ id: z.uuid("That key does not exist.") }),
  async ({ id }, account): Promise<RevokeKeyState> => {
    const apiKey = await revokeApiKey(getDb(), account.customerId, id);
    revalidatePath("/dashboard/api");
    return { status: "revoked", message: `${apiKey.name} is revoked; calls with it are refused.` };
  },
  {
    permission: "keys:manage",
    event: "dashboard.key_action_failed",
    message: "The key could not be revoked. Try again.",
  },
);
