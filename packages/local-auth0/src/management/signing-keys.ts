import { route } from "@tollgate/local-http";
import type { IssuerState } from "../issuer-state";
import type { ManagementRoute } from "./endpoint";
import { ManagementError } from "./management-error";

/** Key changes the issuer carries out itself: its oidc-provider is rebuilt with the new key set. */
export interface SigningKeyHooks {
  rotateSigningKey(): Promise<{ kid: string }>;
  revokeSigningKey(kid: string): Promise<boolean>;
}

/** /api/v2/keys/signing: the keys tokens are signed with, current first. */
export function signingKeyRoutes(state: IssuerState, hooks: SigningKeyHooks): ManagementRoute[] {
  return [
    // GET /api/v2/keys/signing – the signing keys, current first
    route("GET", "/api/v2/keys/signing", {
      scopes: ["read:signing_keys"],
      async handle() {
        return {
          status: 200,
          body: state.keys.map((key, index) => ({
            kid: key.kid,
            current: index === 0,
            previous: index === 1,
            revoked: false,
            current_since: key.created_at,
          })),
        };
      },
    }),
    // POST /api/v2/keys/signing/rotate – a new current key; the old one stays published as previous
    route("POST", "/api/v2/keys/signing/rotate", {
      scopes: ["create:signing_keys", "update:signing_keys"],
      async handle() {
        return { status: 201, body: await hooks.rotateSigningKey() };
      },
    }),
    // PUT /api/v2/keys/signing/{kid}/revoke – stop publishing a previous key
    route("PUT", "/api/v2/keys/signing/:kid/revoke", {
      scopes: ["update:signing_keys"],
      async handle({ path }) {
        const kid = path.kid ?? "";
        if (!(await hooks.revokeSigningKey(kid))) {
          throw new ManagementError(404, "Signing key not found or it is the current key", "inexistent_key");
        }
        return { status: 200, body: { kid } };
      },
    }),
  ];
}
