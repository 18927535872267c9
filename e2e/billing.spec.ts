import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import Stripe from "stripe";
import { LOCAL } from "@/lib/config/local-defaults";
import { clientToken } from "./support";

// Cancelling at the end of the period through the Customer Portal, in a production build on the local
// issuer and Stripe sandbox: the plan keeps working until the period ends, the billing page says when
// that is, and once the sandbox's clock passes it the subscription ends and access follows.
// Bob's customer: e2e/api.spec.ts upgrades Alice's and the newcomer's journey is Carol's. Bob is back
// on Free when this spec ends, as the specs after it expect.

const SANDBOX = LOCAL.stripeApiUrl;
const sandboxUrl = new URL(SANDBOX);
const stripe = new Stripe(LOCAL.stripeSecretKey, {
  host: sandboxUrl.hostname,
  port: Number(sandboxUrl.port),
  protocol: "http",
});

async function signIn(page: Page, name: string, path: string): Promise<void> {
  await page.goto(path);
  await page.waitForURL(/localhost:4010\/interaction\//);
  await page.getByRole("button", { name: new RegExp(`Continue as ${name}`) }).click();
  await page.waitForURL((url) => url.origin !== "http://localhost:4010" && url.pathname === path);
}

/**
 * An element by test id, visible copies only: while a streamed page reveals its content, the DOM can
 * briefly hold a hidden copy of it too.
 */
const shown = (page: Page, testId: string) => page.getByTestId(testId).filter({ visible: true });

const createWidget = (request: APIRequestContext, token: string) =>
  request.post("/api/v1/widgets", {
    headers: { authorization: `Bearer ${token}` },
    data: { name: "Until the end", size_cm: 3 },
  });

/** Polls the write until it answers `status` (the webhook lands within seconds). */
async function expectWrite(request: APIRequestContext, token: string, status: number): Promise<void> {
  await expect
    .poll(async () => (await createWidget(request, token)).status(), { timeout: 30_000, intervals: [500] })
    .toBe(status);
}

/** Bob's one subscription as Stripe has it. */
async function bobsSubscription(): Promise<Stripe.Subscription> {
  const [customer] = (await stripe.customers.list({ email: "bob@example.com" })).data;
  if (!customer) throw new Error("Bob has no Stripe customer");
  const [subscription] = (await stripe.subscriptions.list({ customer: customer.id, status: "all" })).data;
  if (!subscription) throw new Error("Bob has no subscription");
  return subscription;
}

// Bob is on Free in the specs after this one: should this test stop halfway, end his subscription.
test.afterAll(async () => {
  const [customer] = (await stripe.customers.list({ email: "bob@example.com" })).data;
  if (!customer) return;
  for (const subscription of (await stripe.subscriptions.list({ customer: customer.id })).data) {
    await stripe.subscriptions.cancel(subscription.id);
  }
});

test("cancel at period end in the portal: the plan works until the period ends, then access stops", async ({
  page,
  request,
}) => {
  test.setTimeout(120_000);
  let token = "";

  await test.step("Bob, on Free, makes a machine client; a write is refused", async () => {
    await signIn(page, "Bob Member", "/dashboard/api");
    await page.getByLabel("Client name").fill("Bob's billing check");
    await page.getByRole("button", { name: "Create client" }).click();
    await expect(page.getByTestId("new-client")).toBeVisible();
    const clientId = (await page.getByTestId("new-client-id").textContent()) ?? "";
    const clientSecret = (await page.getByTestId("new-client-secret").textContent()) ?? "";
    expect(clientId).not.toBe("");
    token = await clientToken(request, clientId, clientSecret);
    expect((await createWidget(request, token)).status()).toBe(402);
  });

  await test.step("subscribe to Pro through Checkout; the write is admitted", async () => {
    await page.goto("/dashboard/billing");
    await page.getByRole("button", { name: "Upgrade to Pro" }).click();
    await page.waitForURL(/localhost:4020\/checkout\//);
    await page.getByRole("button", { name: "Pay and subscribe" }).click();
    await page.waitForURL(/\/dashboard\/billing\?checkout=success/);
    await expectWrite(request, token, 201);
    await page.reload();
    await expect(shown(page, "billing-plan")).toHaveText("Pro");
    await expect(shown(page, "billing-renewal")).toContainText("Renews on");
  });

  let periodEnd = 0;
  await test.step("cancel at period end in the portal; the billing page says when it ends", async () => {
    await page.getByRole("button", { name: "Manage billing" }).click();
    await page.waitForURL(/localhost:4020\/portal\//);
    await page.getByRole("button", { name: "Cancel at period end" }).click();
    await expect(page.getByText(/Cancels on \d{4}-\d{2}-\d{2}/)).toBeVisible();
    await expect(page.getByRole("button", { name: "Don't cancel" })).toBeVisible();

    const subscription = await bobsSubscription();
    periodEnd = subscription.items.data[0]?.current_period_end ?? 0;
    expect(subscription).toMatchObject({
      status: "active",
      cancel_at_period_end: true,
      cancel_at: periodEnd,
    });
    const endDate = new Date(periodEnd * 1000).toISOString().slice(0, 10);

    await page.getByRole("link", { name: "Return to the app" }).click();
    await page.waitForURL(/\/dashboard\/billing$/);
    await expect(async () => {
      await page.reload();
      await expect(shown(page, "billing-renewal")).toContainText(`ends on ${endDate}`, {
        timeout: 1_000,
      });
    }).toPass({ timeout: 30_000 });
    await expect(shown(page, "billing-plan")).toHaveText("Pro");
    const { violations } = await new AxeBuilder({ page }).analyze();
    expect(
      violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical"),
    ).toEqual([]);
    await page.screenshot({
      path: "test-results/screenshots/billing-cancel-at-period-end.png",
      fullPage: true,
    });
  });

  await test.step("until the period ends, the write is still admitted", async () => {
    expect((await createWidget(request, token)).status()).toBe(201);
  });

  await test.step("the sandbox clock passes the period end: the subscription ends, the write is refused", async () => {
    const clock = (await (await request.get(`${SANDBOX}/_sandbox/clock`)).json()) as { now: number };
    expect(periodEnd).toBeGreaterThan(clock.now);
    const advanced = await request.post(`${SANDBOX}/_sandbox/advance`, {
      data: { seconds: periodEnd - clock.now + 60 },
    });
    expect(advanced.status()).toBe(200);
    expect((await bobsSubscription()).status).toBe("canceled");

    await expectWrite(request, token, 402);
    const refused = await createWidget(request, token);
    expect(await refused.json()).toMatchObject({
      type: "https://tollgate.dev/problems/subscription-required",
      plan: "free",
    });
    await page.reload();
    await expect(shown(page, "billing-plan")).toHaveText("Free");
    await expect(shown(page, "billing-renewal")).toHaveText(/No subscription/);
  });
});
