import { readFileSync } from "node:fs";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { AUDIENCE, checkPage, clientToken, ISSUER, signIn } from "./support";

// The newcomer's journey through the dashboard in a production build on the local issuer and Stripe
// sandbox: sign in, get a machine client, call the API, upgrade through Checkout, cancel in the portal.
// Carol and Bob only: e2e/api.spec.ts upgrades Alice's customer; Bob stays on Free (e2e/reference.spec.ts).
const APP_ORIGIN = `http://localhost:${process.env.E2E_PORT ?? 3100}`;

/** The toast region (Radix Toast's viewport, a landmark named "Notifications (F8)"). */
const toasts = (page: Page) => page.getByRole("region", { name: /^Notifications/ });

const createWidget = (request: APIRequestContext, token: string) =>
  request.post("/api/v1/widgets", {
    headers: { authorization: `Bearer ${token}` },
    data: { name: "Journey", size_cm: 4 },
  });

test("public pages are accessible", async ({ page }) => {
  const blocked: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
  });
  await page.goto("/");
  await checkPage(page, "landing");
  await page.goto("/pricing");
  await expect(page.getByRole("heading", { level: 1, name: "Pricing" })).toBeVisible();
  for (const plan of ["Free", "Pro", "Scale"]) {
    await expect(page.getByRole("heading", { level: 2, name: plan })).toBeVisible();
  }
  await checkPage(page, "pricing");
  expect(blocked, "CSP violations").toEqual([]);
});

test("pages carry a nonce CSP and security headers", async ({ request }) => {
  const response = await request.get("/pricing");
  const headers = response.headers();
  expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  // Local mode over http: no HSTS.
  expect(headers["strict-transport-security"]).toBeUndefined();
});

test("a signed-out visit to the dashboard goes to sign-in and back", async ({ page, request }) => {
  const redirect = await request.get("/dashboard/billing?x=1", { maxRedirects: 0 });
  expect(redirect.status()).toBe(307);
  expect(redirect.headers().location).toBe("/auth/login?returnTo=%2Fdashboard%2Fbilling%3Fx%3D1");

  // Sign-in never returns to another origin.
  const offsite = await request.get("/auth/login?returnTo=https%3A%2F%2Fevil.example%2F", {
    maxRedirects: 0,
  });
  expect(offsite.status()).toBe(307);
  expect(offsite.headers().location).toMatch(/\/auth\/login$/);

  const callback = page.waitForResponse((response) => response.url().includes("/auth/callback"));
  await signIn(page, "Bob Member", "/dashboard/billing");
  await expect(page.getByRole("heading", { level: 1, name: "Billing" })).toBeVisible();
  // The response that sets the session cookie is never cached.
  const headers = await (await callback).allHeaders();
  expect(headers["set-cookie"]).toMatch(/__session_\d+=.*HttpOnly/i);
  expect(headers["cache-control"]).toMatch(/no-store/);
});

test.describe.serial("the newcomer's journey", () => {
  let clientId = "";
  let clientSecret = "";
  let clientRowId = "";

  test("sign in, create a client, call the API, upgrade, cancel", async ({ page, request }) => {
    test.setTimeout(120_000);

    await test.step("sign in as Carol: the dashboard shows Free, with under 300 kB of JavaScript", async () => {
      const scripts: Promise<number>[] = [];
      page.on("response", (response) => {
        if (response.request().resourceType() === "script" && response.url().startsWith(APP_ORIGIN)) {
          scripts.push(
            response
              .request()
              .sizes()
              .then((sizes) => sizes.responseBodySize),
          );
        }
      });
      await signIn(page, "Carol Newcomer");
      await expect(page.getByTestId("plan-name")).toHaveText("Free");
      await page.waitForLoadState("networkidle");
      const bytes = (await Promise.all(scripts)).reduce((sum, size) => sum + size, 0);
      test
        .info()
        .annotations.push({ type: "dashboard first-load JS (compressed bytes)", description: String(bytes) });
      console.log(`dashboard first-load JavaScript: ${(bytes / 1024).toFixed(1)} kB compressed`);
      expect(bytes).toBeGreaterThan(0);
      expect(bytes).toBeLessThan(300 * 1024);
      await checkPage(page, "dashboard");
    });

    await test.step("create a machine client; the secret is shown once, with snippets", async () => {
      await page.getByRole("link", { name: "API access" }).click();
      await expect(page.getByRole("heading", { level: 1, name: "API access" })).toBeVisible();
      await page.getByLabel("Client name").fill("Carol's server");
      await page.getByRole("button", { name: "Create client" }).click();
      await expect(page.getByTestId("new-client")).toBeVisible();
      await expect(toasts(page)).toContainText("Client created");
      clientId = (await page.getByTestId("new-client-id").textContent()) ?? "";
      clientSecret = (await page.getByTestId("new-client-secret").textContent()) ?? "";
      expect(clientId).not.toBe("");
      expect(clientSecret).not.toBe("");
      await expect(page.getByTestId("clients")).toContainText(clientId);

      // The snippets are tabs: curl first, fetch one click (or arrow key) away.
      const snippets = page.getByTestId("new-client");
      await expect(snippets.getByRole("tab", { name: "curl" })).toHaveAttribute("aria-selected", "true");
      await expect(snippets.getByRole("tabpanel")).toContainText(`client_id=${clientId}`);
      await snippets.getByRole("tab", { name: "curl" }).press("ArrowRight");
      await expect(snippets.getByRole("tab", { name: /fetch/ })).toHaveAttribute("aria-selected", "true");
      await expect(snippets.getByRole("tabpanel")).toContainText(`client_id: "${clientId}"`);

      await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
      await snippets.getByRole("button", { name: "Copy ID" }).click();
      await expect(toasts(page)).toContainText("Copied to the clipboard");
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(clientId);
      await snippets.getByRole("tab", { name: "curl" }).click();
      await checkPage(page, "api-access", { file: "api-access.png" });
      clientRowId =
        (await page.locator('[data-testid="clients"] input[name="id"]').first().inputValue()) ?? "";
      await page.reload();
      await expect(page.getByTestId("new-client")).toHaveCount(0);
    });

    const token = await clientToken(request, clientId, clientSecret);

    await test.step("a read works, a write is refused on Free, usage shows the call", async () => {
      const list = await request.get("/api/v1/widgets", { headers: { authorization: `Bearer ${token}` } });
      expect(list.status()).toBe(200);
      const refused = await createWidget(request, token);
      expect(refused.status()).toBe(402);
      await page.goto("/dashboard");
      await expect(page.getByTestId("units-used")).not.toHaveText("0 units");
      await checkPage(page, "dashboard-usage", { file: "dashboard-overview.png", height: 720 });
    });

    await test.step("upgrade to Pro through Checkout; the write now succeeds", async () => {
      await page.goto("/dashboard/billing");
      await checkPage(page, "billing");
      await page.getByRole("button", { name: "Upgrade to Pro" }).click();
      await page.waitForURL(/localhost:4020\/checkout\//);
      await page.getByRole("button", { name: "Pay and subscribe" }).click();
      await page.waitForURL(/\/dashboard\/billing\?checkout=success/);
      await expect
        .poll(async () => (await createWidget(request, token)).status(), {
          timeout: 30_000,
          intervals: [500],
        })
        .toBe(201);
      await page.reload();
      // After a reload a streamed page can briefly hold a hidden copy of the old content.
      await expect(page.getByTestId("billing-plan").filter({ visible: true })).toHaveText("Pro");
      await page.screenshot({ path: "test-results/screenshots/billing-pro.png", fullPage: true });
    });

    await test.step("cancel in the portal; access follows the subscription", async () => {
      await page.getByRole("button", { name: "Manage billing" }).click();
      await page.waitForURL(/localhost:4020\/portal\//);
      await page.getByRole("button", { name: "Cancel now" }).click();
      await expect
        .poll(async () => (await createWidget(request, token)).status(), {
          timeout: 30_000,
          intervals: [500],
        })
        .toBe(402);
      await page.goto("/dashboard");
      await expect(page.getByTestId("plan-name")).toHaveText("Free");
    });
  });

  test("another user can neither see nor revoke Carol's client", async ({ browser, request }) => {
    expect(clientRowId).not.toBe("");
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, "Bob Member", "/dashboard/api");
    await expect(page.getByRole("heading", { level: 1, name: "API access" })).toBeVisible();
    await expect(page.locator("body")).not.toContainText(clientId);

    // Bob makes a client of his own, then aims its revoke form at Carol's client.
    await page.getByLabel("Client name").fill("Bob's script");
    await page.getByRole("button", { name: "Create client" }).click();
    await expect(page.getByTestId("new-client")).toBeVisible();
    const form = page.locator('[data-testid="clients"] form').first();
    await form.locator('input[name="id"]').evaluate((input, id) => {
      (input as HTMLInputElement).value = id;
    }, clientRowId);
    await form.getByRole("button", { name: /Revoke/ }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Revoke client" }).click();
    await expect(form.getByRole("alert")).toHaveText("That client does not exist.");
    await expect(toasts(page)).toContainText("The client was not revoked");
    await context.close();

    const token = await clientToken(request, clientId, clientSecret);
    const list = await request.get("/api/v1/widgets", { headers: { authorization: `Bearer ${token}` } });
    expect(list.status()).toBe(200);
  });

  test("Carol revokes her client; its tokens stop working at once", async ({ page, request }) => {
    const token = await clientToken(request, clientId, clientSecret);
    await signIn(page, "Carol Newcomer", "/dashboard/api");
    const row = page.getByRole("row").filter({ hasText: clientId });
    const revoke = row.getByRole("button", { name: /Revoke/ });

    // Revoking asks first; keeping the client changes nothing and gives focus back.
    await revoke.click();
    const dialog = page.getByRole("alertdialog", { name: "Revoke Carol's server?" });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole("button", { name: "Keep it" })).toBeFocused();
    await dialog.getByRole("button", { name: "Keep it" }).click();
    await expect(dialog).toBeHidden();
    await expect(revoke).toBeFocused();
    expect(
      (await request.get("/api/v1/widgets", { headers: { authorization: `Bearer ${token}` } })).status(),
    ).toBe(200);

    await revoke.click();
    await dialog.getByRole("button", { name: "Revoke client" }).click();
    await expect(page.getByRole("row").filter({ hasText: clientId })).toContainText("Revoked");
    await expect(toasts(page)).toContainText("Client revoked");
    // Refused at once: the revoke action drops the subject from the cache the route handlers read.
    const refused = await request.get("/api/v1/widgets", { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status()).toBe(403);
    const exchange = await request.post(`${ISSUER}oauth/token`, {
      form: {
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: clientSecret,
        audience: AUDIENCE,
      },
    });
    expect(exchange.status()).toBe(401);
  });
});

test("the first sign-in records the person's Stripe customer in their Auth0 app_metadata", async ({
  page,
  request,
}) => {
  await signIn(page, "Bob Member", "/dashboard");
  const token = await clientToken(
    request,
    "tollgate-management",
    "local-management-secret-not-for-production",
    {
      audience: `${ISSUER}api/v2/`,
    },
  );
  const user = await request.get(`${ISSUER}api/v2/users/${encodeURIComponent("auth0|bob")}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(user.status()).toBe(200);
  const body = (await user.json()) as { app_metadata?: { stripe_customer_id?: string } };
  expect(body.app_metadata?.stripe_customer_id).toMatch(/^cus_/);
});

test("an API key: made in the dashboard, shown once, calls the API, refused once revoked", async ({
  page,
  request,
}) => {
  await signIn(page, "Bob Member", "/dashboard/api");
  const form = page.getByRole("form", { name: "Create an API key" });
  // Bob is on Free: a key offers only the scopes his plan grants.
  await expect(form.getByRole("checkbox")).toHaveCount(2);
  await expect(form.getByRole("checkbox", { name: /get:widgets/ })).toBeChecked();
  await expect(form.getByRole("checkbox", { name: /read:usage/ })).toBeChecked();
  await page.getByLabel("Key name").fill("Bob's cron job");
  await page.getByLabel("Rate limit (calls/s, optional)").fill("3");
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByTestId("new-key")).toContainText("shown only once");
  await expect(toasts(page)).toContainText("Key created");
  const key = (await page.getByTestId("new-key-value").textContent()) ?? "";
  expect(key).toMatch(/^tg_test_[0-9A-Za-z]{43}$/);
  const row = page.getByTestId("keys").getByRole("row").filter({ hasText: "Bob's cron job" });
  await expect(row).toContainText(`${key.slice(0, 16)}…`);
  await expect(row).not.toContainText(key);
  await checkPage(page, "api-keys", { file: "api-keys.png", height: 1180 });

  const withKey = { headers: { authorization: `Bearer ${key}` } };
  const me = await request.get("/api/v1/me", withKey);
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({ kind: "key", scopes: ["get:widgets", "read:usage"] });
  expect((await request.get("/api/v1/widgets", withKey)).status()).toBe(200);

  // The call is Bob's key's, in the usage API and in the overview's table and CSV.
  const usage = await request.get("/api/v1/usage?group_by=key", withKey);
  expect(usage.status()).toBe(200);
  expect((await usage.json()) as { data: unknown[] }).toMatchObject({
    data: expect.arrayContaining([
      expect.objectContaining({ kind: "key", name: "Bob's cron job", prefix: key.slice(0, 16), units: 1 }),
    ]),
  });
  await page.goto("/dashboard");
  await expect(
    page.getByTestId("usage-by-key").getByRole("row").filter({ hasText: "Bob's cron job" }),
  ).toContainText("1");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download CSV (this period)" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^usage-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync((await download.path()) ?? "", "utf8");
  expect(csv.split("\r\n")[0]).toBe("date,credential,kind,name,prefix,revoked,meter,units");
  expect(csv).toContain(`,key,Bob's cron job,${key.slice(0, 16)},false,api_units,1\r\n`);
  await page.goto("/dashboard/api");

  await page.reload();
  await expect(page.getByTestId("new-key")).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(key);
  await row.getByRole("button", { name: /Revoke/ }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke key" }).click();
  await expect(row).toContainText("Revoked");
  await expect(toasts(page)).toContainText("Key revoked");
  const refused = await request.get("/api/v1/widgets", withKey);
  expect(refused.status()).toBe(401);
  expect(refused.headers()["www-authenticate"]).toMatch(/error="invalid_token"/);
});
