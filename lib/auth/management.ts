import "server-only";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { getConfig } from "@/lib/config";
import { createClientCredentials } from "@/lib/gate/client-credentials";
import { log } from "@/lib/log";
import { processSingleton } from "@/lib/process-state";
import { AuthError, waitInWords } from "./errors";
import { retryAfterSeconds } from "./retry-after";

/** Why a Management API call failed. */
export type ManagementErrorCode =
  "ERR_MANAGEMENT_REQUEST_FAILED" | "ERR_MANAGEMENT_RESPONSE_INVALID" | "ERR_MANAGEMENT_RATE_LIMITED";

/** A failed Auth0 Management API call, with the HTTP status when there was an answer. */
export class ManagementError extends AuthError {
  override name = "ManagementError";
  constructor(
    override readonly code: ManagementErrorCode,
    message: string,
    readonly status?: number,
    retryAfterSeconds?: number,
  ) {
    super(code, message, retryAfterSeconds);
  }
}

/** A machine client as created: the secret exists only in this value (Auth0 keeps it, we never store it). */
export interface CreatedMachineClient {
  clientId: string;
  clientSecret: string;
}

/** A Management API job (POST /api/v2/jobs/verification-email answers one). */
export interface ManagementJob {
  id: string;
  type: string;
  status: string;
}

/** The Auth0 Management API calls Tollgate makes. */
export interface ManagementApi {
  /**
   * Creates a machine-to-machine application and grants it `scopes` on `audience` (POST
   * /api/v2/clients, then POST /api/v2/client-grants). When the grant fails the application is
   * deleted again, so no half-made client is left behind.
   */
  createMachineClient(options: {
    name: string;
    audience: string;
    scopes: readonly string[];
    /** `client_metadata` (at most 10 string pairs): says whose client it is, for operators. */
    metadata?: Record<string, string>;
  }): Promise<CreatedMachineClient>;
  /** Deletes a machine client (DELETE /api/v2/clients/{id}); one that is already gone is fine. */
  deleteMachineClient(clientId: string): Promise<void>;
  /** Records the person's Stripe customer id in their `app_metadata` (PATCH /api/v2/users/{id}). */
  setStripeCustomerOnUser(auth0UserId: string, stripeCustomerId: string): Promise<void>;
  /** Emails a user the link that verifies their address (POST /api/v2/jobs/verification-email). */
  sendVerificationEmail(auth0UserId: string): Promise<ManagementJob>;
}

/** Where and as whom to call the Management API. */
export interface ManagementApiOptions {
  /** The tenant's own URL with its trailing slash (`https://tenant.eu.auth0.com/`), or the local issuer. */
  tenantUrl: string;
  clientId: string;
  clientSecret: string;
  /**
   * A 429 whose wait is at most this many seconds is retried once after waiting; a longer one is
   * refused at once with ERR_MANAGEMENT_RATE_LIMITED. Default 2: a person is waiting on the answer.
   */
  maxRetryWaitSeconds?: number;
}

const createdClient = z.object({ client_id: z.string().min(1), client_secret: z.string().min(1) });
const job = z.object({ id: z.string().min(1), type: z.string(), status: z.string() });

/**
 * A Management API client with one cached client-credentials token. Every call shares the tenant's
 * rate limit (Auth0's free tenants sustain about 2 requests a second): a 429 is honoured, waiting out
 * a short `Retry-After` (or `X-RateLimit-Reset`) once, refusing a long one with the wait in words.
 *
 * @example
 *   const management = createManagementApi({ tenantUrl, clientId, clientSecret });
 *   await management.sendVerificationEmail("auth0|64f1...");
 */
export function createManagementApi(options: ManagementApiOptions): ManagementApi {
  const maxRetryWaitSeconds = options.maxRetryWaitSeconds ?? 2;
  const tokens = createClientCredentials({
    tokenUrl: `${options.tenantUrl}oauth/token`,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    endpointParams: { audience: `${options.tenantUrl}api/v2/` },
  });

  async function send(method: string, path: string, body: unknown): Promise<Response> {
    return fetch(`${options.tenantUrl}api/v2/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await tokens.getToken()}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  }

  async function call(method: "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<Response> {
    let response = await send(method, path, body);
    if (response.status === 401) {
      // The cached token was revoked or its keys rotated: get a new one once.
      tokens.invalidate();
      response = await send(method, path, body);
    }
    if (response.status !== 429) return response;
    // A 429 means the request was not carried out, so sending it again cannot do anything twice.
    const wait = retryAfterSeconds(response.headers, Date.now());
    await response.body?.cancel();
    if (wait > maxRetryWaitSeconds) throw rateLimited(wait);
    await sleep(wait * 1000);
    response = await send(method, path, body);
    if (response.status !== 429) return response;
    const again = retryAfterSeconds(response.headers, Date.now());
    await response.body?.cancel();
    throw rateLimited(again);
  }

  async function deleteMachineClient(clientId: string): Promise<void> {
    const response = await call("DELETE", `clients/${encodeURIComponent(clientId)}`);
    if (response.status !== 204 && response.status !== 200 && response.status !== 404) {
      throw failed("delete the client", response);
    }
  }

  /** A client without its grant gets no API token, but it counts at Auth0: delete it, or say so. */
  async function removeHalfMadeClient(clientId: string): Promise<void> {
    await deleteMachineClient(clientId).catch((error: unknown) =>
      log.error("auth.orphan_machine_client", {
        clientId,
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  }

  return {
    async createMachineClient({ name, audience, scopes, metadata }) {
      const response = await call("POST", "clients", {
        name,
        app_type: "non_interactive",
        grant_types: ["client_credentials"],
        token_endpoint_auth_method: "client_secret_post",
        ...(metadata ? { client_metadata: metadata } : {}),
      });
      if (response.status !== 201 && response.status !== 200) throw failed("create the client", response);
      const parsed = createdClient.safeParse(await response.json());
      if (!parsed.success) {
        throw new ManagementError(
          "ERR_MANAGEMENT_RESPONSE_INVALID",
          "Auth0 answered without a client secret.",
        );
      }
      const clientId = parsed.data.client_id;
      let grant: Response;
      try {
        grant = await call("POST", "client-grants", { client_id: clientId, audience, scope: [...scopes] });
      } catch (error) {
        await removeHalfMadeClient(clientId);
        throw error;
      }
      if (grant.status !== 201 && grant.status !== 200) {
        await removeHalfMadeClient(clientId);
        throw failed("grant the client access to the API", grant);
      }
      return { clientId, clientSecret: parsed.data.client_secret };
    },

    deleteMachineClient,

    async setStripeCustomerOnUser(auth0UserId, stripeCustomerId) {
      const response = await call("PATCH", `users/${encodeURIComponent(auth0UserId)}`, {
        app_metadata: { stripe_customer_id: stripeCustomerId },
      });
      if (response.status !== 200) throw failed("record the Stripe customer on the user", response);
    },

    async sendVerificationEmail(auth0UserId) {
      const response = await call("POST", "jobs/verification-email", { user_id: auth0UserId });
      if (response.status !== 201 && response.status !== 200) {
        throw failed("send the verification email", response);
      }
      const parsed = job.safeParse(await response.json());
      if (!parsed.success) {
        throw new ManagementError("ERR_MANAGEMENT_RESPONSE_INVALID", "Auth0 answered without a job.");
      }
      return parsed.data;
    },
  };
}

/** The app's Management API client, from the configuration (one per process: its token is cached). */
export function getManagementApi(): ManagementApi {
  return processSingleton("auth0-management", () => {
    const { auth } = getConfig();
    return createManagementApi({
      tenantUrl: auth.tenantUrl,
      clientId: auth.managementClientId,
      clientSecret: auth.managementClientSecret,
    });
  });
}

function failed(action: string, response: Response): ManagementError {
  return new ManagementError(
    "ERR_MANAGEMENT_REQUEST_FAILED",
    `Auth0 refused to ${action} (HTTP ${response.status}). Try again in a moment.`,
    response.status,
  );
}

function rateLimited(seconds: number): ManagementError {
  return new ManagementError(
    "ERR_MANAGEMENT_RATE_LIMITED",
    `Auth0 is busy right now (its Management API rate limit). Try again in ${waitInWords(seconds)}.`,
    429,
    seconds,
  );
}
