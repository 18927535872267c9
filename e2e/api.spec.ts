import { expect, test } from "@playwright/test";
import Stripe from "stripe";
import { PLANS } from "@/lib/billing/plans";
import { LOCAL } from "@/lib/config/local-defaults";
import { clientToken } from "./support";

// The API as a customer's machine uses it: a client-credentials token from the (local) Auth0
// issuer, then calls to /api/v1 through the real proxy and route handlers of a production build.

test("a read-only machine client lists widgets but cannot create one", async ({ request }) => {
  const token = await clientToken(request, "demo-reader", "demo-reader-secret");
  const headers = { authorization: `Bearer ${token}` };

  const list = await request.get("/api/v1/widgets", { headers });
  expect(list.status()).toBe(200);
  expect(await list.json()).toMatchObject({ data: expect.any(Array) });

  const create = await request.post("/api/v1/widgets", { headers, data: { name: "Nope", size_cm: 3 } });
  expect(create.status()).toBe(403);
  expect(create.headers()["www-authenticate"]).toMatch(
    /^Bearer realm="api", error="insufficient_scope", .*scope="create:widgets"$/,
  );
  expect(await create.json()).toMatchObject({
    type: "https://tollgate.dev/problems/insufficient-scope",
    status: 403,
  });
});

test("a write is refused on Free, and works once the customer upgrades to Pro through Checkout", async ({
  page,
  request,
  baseURL,
}) => {
  const token = await clientToken(request, "demo-writer", "demo-writer-secret");
  const headers = { authorization: `Bearer ${token}` };

  const refused = await request.post("/api/v1/widgets", { headers, data: { name: "Early", size_cm: 1 } });
  expect(refused.status()).toBe(402);
  expect(await refused.json()).toMatchObject({
    type: "https://tollgate.dev/problems/subscription-required",
    required_features: ["create:widgets"],
  });

  // Upgrade demo-writer's customer (alice) through the sandbox's hosted Checkout, in the browser.
  const sandbox = new URL(LOCAL.stripeApiUrl);
  const stripe = new Stripe(LOCAL.stripeSecretKey, {
    host: sandbox.hostname,
    port: Number(sandbox.port),
    protocol: "http",
  });
  const [customer] = (await stripe.customers.list({ email: "alice@example.com" })).data;
  expect(customer).toBeDefined();
  const pro = PLANS.pro.stripe;
  if (!pro || !customer) throw new Error("the Pro plan and alice's Stripe customer must exist");
  const prices = await stripe.prices.list({
    lookup_keys: [pro.flatPrice.lookupKey, pro.meteredPrice.lookupKey],
  });
  const flat = prices.data.find((price) => price.lookup_key === pro.flatPrice.lookupKey);
  const metered = prices.data.find((price) => price.lookup_key === pro.meteredPrice.lookupKey);
  if (!flat || !metered) throw new Error("setup:stripe did not create the Pro prices");
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: flat.id, quantity: 1 }, { price: metered.id }],
    success_url: `${baseURL}/?checkout=success`,
    cancel_url: `${baseURL}/`,
  });
  await page.goto(session.url ?? "");
  await page.getByRole("button", { name: "Pay and subscribe" }).click();
  await page.waitForURL(/checkout=success/);

  // The webhook reaches the app within seconds; from then on the plan admits writes.
  await expect
    .poll(async () => (await request.get("/api/v1/widgets", { headers })).headers()["ratelimit-policy"], {
      timeout: 30_000,
    })
    .toBe('"pro";q=25;w=1');

  const created = await request.post("/api/v1/widgets", {
    headers,
    data: { name: "Sprocket", color: "#0f766e", size_cm: 12 },
  });
  expect(created.status()).toBe(201);
  const widget = (await created.json()) as { id: string; name: string };
  expect(widget.name).toBe("Sprocket");

  const rendered = await request.post(`/api/v1/widgets/${widget.id}/render`, {
    headers,
    data: { width: 1000, height: 600 },
  });
  expect(rendered.status()).toBe(200);
  expect(await rendered.json()).toMatchObject({
    units: 3,
    width: 1000,
    height: 600,
    svg: expect.stringContaining("<svg"),
  });

  expect((await request.get(`/api/v1/widgets/${widget.id}`, { headers })).status()).toBe(200);
  expect((await request.delete(`/api/v1/widgets/${widget.id}`, { headers })).status()).toBe(204);
  const gone = await request.get(`/api/v1/widgets/${widget.id}`, { headers });
  expect(gone.status()).toBe(404);
  expect(gone.headers()["content-type"]).toBe("application/problem+json");
});

test("requests without a valid token never reach the API", async ({ request }) => {
  const none = await request.get("/api/v1/widgets");
  expect(none.status()).toBe(401);
  expect(none.headers()["www-authenticate"]).toBe('Bearer realm="api"');

  const forged = await request.get("/api/v1/widgets", {
    headers: {
      authorization: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
      "x-middleware-subrequest": "proxy:proxy:proxy:proxy:proxy",
    },
  });
  expect(forged.status()).toBe(401);
  expect(forged.headers()["www-authenticate"]).toMatch(/error="invalid_token"/);
});

test("the OpenAPI document lists every operation with its scopes", async ({ request }) => {
  const response = await request.get("/api/openapi.json");
  expect(response.status()).toBe(200);
  const document = (await response.json()) as {
    openapi: string;
    paths: Record<string, Record<string, { security: unknown }>>;
  };
  expect(document.openapi).toBe("3.1.0");
  expect(document.paths["/api/v1/widgets"]?.post?.security).toEqual([
    { auth0: ["create:widgets"] },
    { apiKey: ["create:widgets"] },
  ]);
});
