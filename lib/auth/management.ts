import "server-only";
import { z } from "zod";
import { getConfig } from "@/lib/config";
import { createClientCredentials, type ClientCredentials } from "@/lib/gate/client-credentials";

/** Why a Management API call failed; `message` is safe to show, secrets never appear in it. */
export type ManagementErrorCode = "ERR_MANAGEMENT_REQUEST_FAILED" | "ERR_MANAGEMENT_RESPONSE_INVALID";

/** A failed Auth0 Management API call, with the HTTP status when there was an answer. */
export class ManagementError extends Error {
  override name = "ManagementError";
  constructor(
    readonly code: ManagementErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A machine client as created: the secret exists only in this value (Auth0 keeps it, we never store it). */
export interface CreatedMachineClient {
  clientId: string;
  clientSecret: string;
}

const createdClient = z.object({ client_id: z.string().min(1), client_secret: z.string().min(1) });

const globalForManagement = globalThis as typeof globalThis & { tollgateManagement?: ClientCredentials };

/** The Management API token source: one cached client-credentials token per process. */
function managementToken(): ClientCredentials {
  const { auth } = getConfig();
  globalForManagement.tollgateManagement ??= createClientCredentials({
    tokenUrl: `${auth.tenantUrl}oauth/token`,
    clientId: auth.managementClientId,
    clientSecret: auth.managementClientSecret,
    endpointParams: { audience: `${auth.tenantUrl}api/v2/` },
  });
  return globalForManagement.tollgateManagement;
}

async function call(method: "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<Response> {
  const { auth } = getConfig();
  const tokens = managementToken();
  const send = async () =>
    fetch(`${auth.tenantUrl}api/v2/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await tokens.getToken()}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  let response = await send();
  if (response.status === 401) {
    // The cached token was revoked or its keys rotated: get a new one once.
    tokens.invalidate();
    response = await send();
  }
  return response;
}

function failed(action: string, response: Response): ManagementError {
  return new ManagementError(
    "ERR_MANAGEMENT_REQUEST_FAILED",
    `Auth0 refused to ${action} (HTTP ${response.status}). Try again in a moment.`,
    response.status,
  );
}

/**
 * Creates a machine-to-machine application at Auth0 and grants it `scopes` on `audience` (POST
 * /api/v2/clients, then POST /api/v2/client-grants). When the grant fails the application is deleted
 * again, so no half-made client is left behind.
 */
export async function createMachineClient(options: {
  name: string;
  audience: string;
  scopes: readonly string[];
}): Promise<CreatedMachineClient> {
  const response = await call("POST", "clients", {
    name: options.name,
    app_type: "non_interactive",
    grant_types: ["client_credentials"],
    token_endpoint_auth_method: "client_secret_post",
  });
  if (response.status !== 201 && response.status !== 200) throw failed("create the client", response);
  const parsed = createdClient.safeParse(await response.json());
  if (!parsed.success) {
    throw new ManagementError("ERR_MANAGEMENT_RESPONSE_INVALID", "Auth0 answered without a client secret.");
  }
  const clientId = parsed.data.client_id;
  const grant = await call("POST", "client-grants", {
    client_id: clientId,
    audience: options.audience,
    scope: [...options.scopes],
  });
  if (grant.status !== 201 && grant.status !== 200) {
    await deleteMachineClient(clientId).catch(() => undefined);
    throw failed("grant the client access to the API", grant);
  }
  return { clientId, clientSecret: parsed.data.client_secret };
}

/** Deletes a machine client at Auth0 (DELETE /api/v2/clients/{id}); one that is already gone is fine. */
export async function deleteMachineClient(clientId: string): Promise<void> {
  const response = await call("DELETE", `clients/${encodeURIComponent(clientId)}`);
  if (response.status !== 204 && response.status !== 200 && response.status !== 404) {
    throw failed("delete the client", response);
  }
}

/**
 * Records the person's Stripe customer id in their Auth0 `app_metadata` (PATCH /api/v2/users/{id}),
 * as the Auth0 Action the starter replaces would, so Auth0 Actions and rules can read it.
 */
export async function setStripeCustomerOnUser(auth0UserId: string, stripeCustomerId: string): Promise<void> {
  const response = await call("PATCH", `users/${encodeURIComponent(auth0UserId)}`, {
    app_metadata: { stripe_customer_id: stripeCustomerId },
  });
  if (response.status !== 200) throw failed("record the Stripe customer on the user", response);
}
