import AxeBuilder from "@axe-core/playwright";
import { expect, type APIRequestContext, type Page } from "@playwright/test";

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

/** Signs in on the local issuer's page as one of its demo people, starting from `path`. */
export async function signIn(page: Page, name: string, path = "/dashboard"): Promise<void> {
  await page.goto(path);
  await page.waitForURL(/localhost:4010\/interaction\//);
  await page.getByRole("button", { name: new RegExp(`Continue as ${name}`) }).click();
  await page.waitForURL((url) => url.origin !== "http://localhost:4010" && url.pathname === path);
}

/** Where screenshots shown in the README live; `UPDATE_SCREENSHOTS=1 npm test` rewrites them. */
const DOCS_SCREENSHOTS = "docs/screenshots";

/**
 * No serious or critical axe violations on the page, and a screenshot kept as a test artifact
 * (test-results/screenshots). With `docs`, and UPDATE_SCREENSHOTS=1, the same screenshot also goes to
 * docs/screenshots for the README, cut to `docs.height` pixels of the page's top when given.
 */
export async function checkPage(
  page: Page,
  name: string,
  docs?: { file: string; height?: number },
): Promise<void> {
  // Check the settled page: after a server action, Next streams the refreshed page's metadata, and the
  // document has no <title> for a moment (axe: document-title) until it lands.
  await expect(page).toHaveTitle(/\S/);
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => ({ id: violation.id, targets: violation.nodes.map((node) => node.target) }));
  expect(serious, `axe on ${name}`).toEqual([]);
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
  if (docs && process.env.UPDATE_SCREENSHOTS === "1") {
    const width = page.viewportSize()?.width ?? 1280;
    await page.screenshot({
      path: `${DOCS_SCREENSHOTS}/${docs.file}`,
      fullPage: true,
      ...(docs.height ? { clip: { x: 0, y: 0, width, height: docs.height } } : {}),
    });
  }
}
