import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selfSignedCertificate, type SelfSignedCertificate } from "@tollgate/local-http";
import { EXAMPLE_TENANT } from "./testing";
import { createLocalIssuer, type LocalIssuer } from "./create-local-issuer";
import type { Auth0Client, Auth0ResourceServer } from "./auth0-records";

// A new tenant as `npm run setup:auth0` finds it: HTTPS, the Management API, and one Machine to
// Machine application a person made by hand, granted only the scopes docs/deploy.md lists.
const M2M = { client_id: "hand-made-m2m", client_secret: "hand-made-m2m-secret" };
let certificate: SelfSignedCertificate;
let issuer: LocalIssuer;

/** An HTTPS request that trusts only the test's certificate (as NODE_EXTRA_CA_CERTS makes the app do). */
function call(
  method: string,
  path: string,
  options: { token?: string; form?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
    const req = request(
      new URL(path, issuer.url),
      {
        method,
        ca: certificate.cert,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

beforeAll(async () => {
  certificate = selfSignedCertificate();
  issuer = await createLocalIssuer({
    ...EXAMPLE_TENANT,
    port: 0,
    tls: { key: certificate.key, cert: certificate.cert },
    emptyTenant: true,
    clients: [
      {
        ...M2M,
        name: "Tollgate setup (M2M)",
        app_type: "non_interactive",
        grant_types: ["client_credentials"],
        managementScopes: ["read:clients", "read:resource_servers"],
      },
    ],
  });
});
afterAll(async () => {
  await issuer?.close();
  certificate?.remove();
});

describe("an empty tenant over HTTPS", () => {
  it("serves discovery with an https issuer", async () => {
    expect(issuer.url).toBe(`https://localhost:${issuer.port}/`);
    const { status, body } = await call("GET", ".well-known/openid-configuration");
    expect(status).toBe(200);
    expect(body).toMatchObject({ issuer: issuer.url, token_endpoint: `${issuer.url}oauth/token` });
  });

  it("has only the hand-made application and the Management API", async () => {
    const token = await call("POST", "oauth/token", {
      form: { grant_type: "client_credentials", ...M2M, audience: issuer.managementAudience },
    });
    expect(token.status).toBe(200);
    const accessToken = String((token.body as { access_token: string }).access_token);
    const clients = (await call("GET", "api/v2/clients", { token: accessToken })).body as Auth0Client[];
    expect(clients.map((client) => client.client_id)).toEqual([M2M.client_id]);
    const servers = (await call("GET", "api/v2/resource-servers", { token: accessToken }))
      .body as Auth0ResourceServer[];
    expect(servers.map((server) => [server.identifier, server.is_system])).toEqual([
      [issuer.managementAudience, true],
    ]);
  });

  it("knows no API until one is created: a token for the demo audience is refused", async () => {
    const { status, body } = await call("POST", "oauth/token", {
      form: { grant_type: "client_credentials", ...M2M, audience: issuer.audience },
    });
    expect(status).toBe(403);
    expect(body).toEqual({
      error: "access_denied",
      error_description: `Service not found: ${issuer.audience}`,
    });
  });
});
