import { expect, type APIRequestContext } from "@playwright/test";

/** The local Auth0-compatible issuer and the API audience the browser tests use. */
export const ISSUER = "http://localhost:4010/";
export const AUDIENCE = "https://api.tollgate.local/";

/** A client-credentials access token from the local issuer, as a customer's machine gets one. */
export async function clientToken(
  request: APIRequestContext,
  clientId: string,
  clientSecret: string,
  options: { audience?: string } = {},
): Promise<string> {
  const response = await request.post(`${ISSUER}oauth/token`, {
    form: {
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
      audience: options.audience ?? AUDIENCE,
    },
  });
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { access_token: string; token_type: string };
  expect(body.token_type).toBe("Bearer");
  return body.access_token;
}
