import { expect, test, type APIRequestContext } from "@playwright/test";
import Stripe from "stripe";
import { LOCAL } from "@/lib/config/local-defaults";
import { checkPage, clientToken, ISSUER } from "./support";

// A person who signed up and never verified their address, in a production build on the local issuer
// and Stripe sandbox: the dashboard opens nothing for them (no account, no Stripe customer) and says
// why; a new link comes from Auth0's verification email job (the issuer's local mailbox), and once it
// is opened, Continue refreshes the session and the dashboard opens on Free.
// Dana only: no other spec signs in as her.

const DANA = { userId: "auth0|dana", email: "dana@example.com", name: "Dana Unverified" };
const sandboxUrl = new URL(LOCAL.stripeApiUrl);
const stripe = new Stripe(LOCAL.stripeSecretKey, {
  host: sandboxUrl.hostname,
  port: Number(sandboxUrl.port),
  protocol: "http",
});

const danasStripeCustomers = async () => (await stripe.customers.list({ email: DANA.email })).data.length;

/** Sets Dana back to unverified through the issuer's Management API (Auth0 accepts the same PATCH). */
async function markUnverified(request: APIRequestContext): Promise<void> {
  const token = await clientToken(
    request,
    "tollgate-management",
    "local-management-secret-not-for-production",
    {
      audience: `${ISSUER}api/v2/`,
    },
  );
  const response = await request.patch(`${ISSUER}api/v2/users/${encodeURIComponent(DANA.userId)}`, {
    headers: { authorization: `Bearer ${token}` },
    data: { email_verified: false },
  });
  expect(response.status()).toBe(200);
}

test("an unverified person gets no account until they verify, then continues to the dashboard", async ({
  page,
  request,
}) => {
  test.setTimeout(90_000);
  await markUnverified(request);
  const continueButton = page.getByRole("button", { name: "I have verified my email: continue" });

  await test.step("sign in as Dana: the dashboard sends her to verify, and opens nothing", async () => {
    await page.goto("/dashboard");
    await page.waitForURL(/localhost:4010\/interaction\//);
    await page.getByRole("button", { name: new RegExp(`Continue as ${DANA.name}`) }).click();
    await page.waitForURL(
      (url) => url.origin !== "http://localhost:4010" && url.pathname === "/verify-email",
    );
    await expect(page.getByRole("heading", { level: 1, name: "Verify your email address" })).toBeVisible();
    await expect(page.locator("main")).toContainText(DANA.email);
    await checkPage(page, "verify-email");
    // Every dashboard page sends her here; none creates her account.
    await page.goto("/dashboard/api");
    await page.waitForURL((url) => url.pathname === "/verify-email");
    expect(await danasStripeCustomers()).toBe(0);
  });

  await test.step("send the link again; Continue says she has not verified yet", async () => {
    await page.getByRole("button", { name: "Send the link again" }).click();
    await expect(page.getByRole("status").filter({ hasText: "We sent a new link" })).toContainText(
      DANA.email,
    );
    await continueButton.click();
    await expect(page.getByRole("status").filter({ hasText: "not verified yet" })).toBeVisible();
    expect(new URL(page.url()).pathname).toBe("/verify-email");
    expect(await danasStripeCustomers()).toBe(0);
  });

  await test.step("open the link in the issuer's local mailbox", async () => {
    await page.goto(`${ISSUER}_local/mailbox`);
    await page
      .getByRole("link", { name: `Verify ${DANA.email}` })
      .first()
      .click();
    await expect(page.getByRole("heading", { level: 1, name: "Email verified" })).toBeVisible();
    await page.getByRole("link", { name: "Back to the application" }).click();
    await page.waitForURL(
      (url) => url.origin !== "http://localhost:4010" && url.pathname === "/verify-email",
    );
  });

  await test.step("Continue refreshes the session: the dashboard opens on Free, with one Stripe customer", async () => {
    await continueButton.click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
    await expect(page.getByTestId("plan-name")).toHaveText("Free");
    expect(await danasStripeCustomers()).toBe(1);
  });
});
