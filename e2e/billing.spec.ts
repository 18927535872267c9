import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import Stripe from "stripe";
import { LOCAL } from "@/lib/config/local-defaults";
import { checkPage, clientToken } from "./support";

// Cancelling at the end of the period through the Customer Portal, in a production build on the local
// issuer and Stripe sandbox: the plan keeps working until the period ends, the billing page says when
// that is, and once the sandbox's clock passes it the subscription ends and access follows.
// Bob's customer: e2e/api.spec.ts upgrades Alice's and the newcomer's journey is Carol's. Bob is back
// on Free when this spec ends, as the specs after it expect. His first subscription is Pro's trial;
// the second, annual with the demo promotion code, gets none.

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

  await test.step("subscribe to Pro's 14-day trial through Checkout; the write is admitted", async () => {
    await page.goto("/dashboard/billing");
    await expect(page.getByRole("radio", { name: /^Monthly, \$29 \/ month/ })).toBeChecked();
    await page.getByRole("button", { name: "Upgrade to Pro" }).click();
    await page.waitForURL(/localhost:4020\/checkout\//);
    await expect(page.getByText("Free trial: 14 days")).toBeVisible();
    await page.getByRole("button", { name: "Pay and subscribe" }).click();
    await page.waitForURL(/\/dashboard\/billing\?checkout=success/);
    await expectWrite(request, token, 201);
    const trialEnd = new Date(((await bobsSubscription()).trial_end ?? 0) * 1000).toISOString().slice(0, 10);
    await page.reload();
    await expect(shown(page, "billing-plan")).toHaveText("Pro");
    await expect(shown(page, "billing-renewal")).toHaveText(
      `Status trialing. Trial ends on ${trialEnd}, then billed monthly.`,
    );
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
      status: "trialing",
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

test("the pricing page toggles annual prices; an annual Pro with a promotion code is billed yearly", async ({
  page,
  request,
}) => {
  test.setTimeout(120_000);

  await test.step("Monthly by default; Annual shows the yearly price and its saving, without JavaScript state", async () => {
    await page.goto("/pricing");
    const monthly = page.getByRole("button", { name: "Monthly" });
    const annual = page.getByRole("button", { name: "Annual" });
    await expect(monthly).toHaveAttribute("aria-pressed", "true");
    await expect(annual).toHaveAttribute("aria-pressed", "false");
    await expect(page.getByTestId("price-pro")).toHaveText("$29 / month");
    await expect(page.getByTestId("saving-pro")).toHaveCount(0);
    await annual.click();
    await page.waitForURL(/\/pricing\?interval=year$/);
    await expect(page.getByRole("button", { name: "Annual" })).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByTestId("price-pro")).toHaveText("$290 / year");
    await expect(page.getByTestId("saving-pro")).toHaveText("2 months free (save $58)");
    await expect(page.getByTestId("price-scale")).toHaveText("$1,990 / year");
    await expect(page.getByTestId("plan-pro")).toContainText("600,000 units a year included");
    await checkPage(page, "pricing-annual", { file: "pricing-annual.png", height: 900 });
    // The same page straight from the address, as a link or a browser without JavaScript opens it.
    const direct = await request.get("/pricing?interval=year");
    expect(await direct.text()).toContain("$290 / year");
  });

  await test.step("Choose Pro carries the interval through sign-in to the billing page", async () => {
    await page.getByTestId("plan-pro").getByRole("link", { name: "Choose Pro" }).click();
    await page.waitForURL(/localhost:4010\/interaction\//);
    await page.getByRole("button", { name: /Continue as Bob Member/ }).click();
    await page.waitForURL(/\/dashboard\/billing\?interval=year$/);
    await expect(page.getByRole("radio", { name: /^Annual, \$290 \/ year/ })).toBeChecked();
  });

  await test.step("Checkout: the year's price, no second trial, 20% off with WELCOME20", async () => {
    await page.getByRole("button", { name: "Upgrade to Pro" }).click();
    await page.waitForURL(/localhost:4020\/checkout\//);
    await expect(page.getByText("USD 290.00", { exact: true })).toBeVisible();
    await expect(page.getByText(/Free trial/)).toHaveCount(0);
    await page.getByLabel("Promotion code").fill("WELCOME20");
    await page.getByRole("button", { name: "Pay and subscribe" }).click();
    await page.waitForURL(/\/dashboard\/billing\?checkout=success/);
    const subscription = await bobsSubscription();
    expect(subscription.items.data.map((item) => item.price.lookup_key)).toEqual([
      "tollgate_pro_yearly",
      "tollgate_pro_units_yearly",
    ]);
    const invoice = (await stripe.invoices.list({ customer: String(subscription.customer), limit: 1 }))
      .data[0];
    expect(invoice).toMatchObject({ subtotal: 29_000, total: 23_200 });
    await expect(async () => {
      await page.reload();
      await expect(shown(page, "billing-renewal")).toContainText("Billed annually", { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await checkPage(page, "billing-annual");
  });

  await test.step("cancel now in the portal: Bob is back on Free", async () => {
    await page.getByRole("button", { name: "Manage billing" }).click();
    await page.waitForURL(/localhost:4020\/portal\//);
    await page.getByRole("button", { name: "Cancel now" }).click();
    await page.getByRole("link", { name: "Return to the app" }).click();
    await expect(async () => {
      await page.reload();
      await expect(shown(page, "billing-plan")).toHaveText("Free", { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
  });
});
