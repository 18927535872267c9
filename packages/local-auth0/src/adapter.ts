import type { Adapter, AdapterPayload, ClientMetadata } from "oidc-provider";
import type { Auth0Client } from "./auth0-records";
import type { IssuerState } from "./issuer-state";

/** Grant types oidc-provider implements among those an Auth0 client may list. */
const SUPPORTED_GRANT_TYPES = new Set(["authorization_code", "refresh_token", "client_credentials"]);

/** Models whose records belong to a grant and die with it (revocation, logout). */
const GRANTABLE = new Set(["AccessToken", "AuthorizationCode", "RefreshToken", "DeviceCode"]);

/** An Auth0 application as oidc-provider client metadata. */
export function toClientMetadata(client: Auth0Client): ClientMetadata {
  const interactive = client.grant_types.includes("authorization_code");
  return {
    client_id: client.client_id,
    client_secret: client.client_secret,
    client_name: client.name,
    grant_types: client.grant_types.filter((type) => SUPPORTED_GRANT_TYPES.has(type)),
    response_types: interactive ? ["code"] : [],
    redirect_uris: interactive ? client.callbacks : [],
    post_logout_redirect_uris: interactive ? client.allowed_logout_urls : [],
    token_endpoint_auth_method: client.token_endpoint_auth_method,
  };
}

/**
 * The oidc-provider adapter: `Client` reads the issuer's Auth0 clients on every lookup (so clients
 * created or deleted through the Management API take effect at once); every other model lives in
 * memory in the shared IssuerState, so it survives the provider being rebuilt on key rotation.
 */
export function createAdapterClass(state: IssuerState): new (model: string) => Adapter {
  return class IssuerAdapter implements Adapter {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    private get(key: string): AdapterPayload | undefined {
      const entry = state.models.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
        state.models.delete(key);
        return undefined;
      }
      return entry.payload;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      if (this.model === "Client") return;
      const expiresAt = typeof expiresIn === "number" ? Date.now() + expiresIn * 1000 : undefined;
      state.models.set(this.key(id), { payload, expiresAt });
      if (this.model === "Session" && typeof payload.uid === "string") {
        state.models.set(`SessionUid:${payload.uid}`, { payload: { id }, expiresAt });
      }
      if (typeof payload.userCode === "string") {
        state.models.set(`UserCode:${payload.userCode}`, { payload: { id, model: this.model }, expiresAt });
      }
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === "Client") {
        const client = state.clients.get(id);
        return client ? { ...toClientMetadata(client) } : undefined;
      }
      return this.get(this.key(id));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = this.get(`SessionUid:${uid}`)?.id;
      return typeof id === "string" ? this.find(id) : undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const id = this.get(`UserCode:${userCode}`)?.id;
      return typeof id === "string" ? this.find(id) : undefined;
    }

    async consume(id: string): Promise<void> {
      const payload = this.get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      state.models.delete(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const [key, entry] of state.models) {
        const model = key.slice(0, key.indexOf(":"));
        if (GRANTABLE.has(model) && entry.payload.grantId === grantId) state.models.delete(key);
      }
    }
  };
}
