import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { createStripeSandbox, type StripeSandbox } from "./create-stripe-sandbox";
import { sdkFor } from "./testing";

let sandbox: StripeSandbox;
let stripe: Stripe;

beforeAll(async () => {
  sandbox = await createStripeSandbox();
  stripe = sdkFor(sandbox);
});
afterAll(() => sandbox.close());

describe("customers", () => {
  it("creates, retrieves and lists by email", async () => {
    const created = await stripe.customers.create({
      email: "ada@example.com",
      name: "Ada",
      metadata: { auth0_user_id: "auth0|ada", plan: "free" },
    });
    expect(created).toMatchObject({ object: "customer", email: "ada@example.com", livemode: false });
    expect(created.id).toMatch(/^cus_/);
    expect(created.created).toBeGreaterThan(1_700_000_000);

    expect(await stripe.customers.retrieve(created.id)).toMatchObject({
      id: created.id,
      name: "Ada",
      metadata: { auth0_user_id: "auth0|ada", plan: "free" },
    });

    await stripe.customers.create({ email: "bob@example.com" });
    const byEmail = await stripe.customers.list({ email: "ada@example.com" });
    expect(byEmail).toMatchObject({ object: "list", has_more: false, url: "/v1/customers" });
    expect(byEmail.data.map((customer) => customer.id)).toEqual([created.id]);
  });

  it("deletes a customer: retrieve answers deleted, events record customer.deleted", async () => {
    const customer = await stripe.customers.create({ email: "gone@example.com" });
    expect(await stripe.customers.del(customer.id)).toEqual({
      id: customer.id,
      object: "customer",
      deleted: true,
    });
    expect(await stripe.customers.retrieve(customer.id)).toMatchObject({ id: customer.id, deleted: true });
    const events = await stripe.events.list({ type: "customer.deleted" });
    expect(events.data[0]?.data.object).toMatchObject({ id: customer.id });
    await expect(stripe.billingPortal.sessions.create({ customer: customer.id })).rejects.toMatchObject({
      statusCode: 404,
      code: "resource_missing",
    });
  });

  it("pages with limit and starting_after", async () => {
    for (let i = 0; i < 5; i++) await stripe.customers.create({ email: `page${i}@example.com` });
    const first = await stripe.customers.list({ limit: 2 });
    expect(first.has_more).toBe(true);
    const second = await stripe.customers.list({ limit: 2, starting_after: first.data[1]?.id });
    expect(second.data[0]?.id).not.toBe(first.data[1]?.id);
    const all: string[] = [];
    for await (const customer of stripe.customers.list({ limit: 3 })) all.push(customer.id);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(7);
  });
});

describe("protocol", () => {
  it("replays an idempotent request and refuses the key with other parameters", async () => {
    const key = `test-${Date.now()}`;
    const first = await stripe.customers.create({ email: "idem@example.com" }, { idempotencyKey: key });
    const replay = await stripe.customers.create({ email: "idem@example.com" }, { idempotencyKey: key });
    expect(replay.id).toBe(first.id);
    expect(replay.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect((await stripe.customers.list({ email: "idem@example.com" })).data).toHaveLength(1);
    await expect(
      stripe.customers.create({ email: "other@example.com" }, { idempotencyKey: key }),
    ).rejects.toMatchObject({
      type: "StripeIdempotencyError",
      statusCode: 400,
    });
  });

  it("answers 401 without a key or with a wrong one, 404 for unknown URLs, 400 with param names", async () => {
    const noKey = await fetch(`http://127.0.0.1:${sandbox.port}/v1/customers`);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    const wrong = new Stripe("sk_live_nope", {
      host: "127.0.0.1",
      port: sandbox.port,
      protocol: "http",
      maxNetworkRetries: 0,
    });
    await expect(wrong.customers.list()).rejects.toMatchObject({
      type: "StripeAuthenticationError",
      statusCode: 401,
    });
    const unknown = await fetch(`http://127.0.0.1:${sandbox.port}/v1/nothing`, {
      headers: { authorization: "Bearer sk_test_tollgate_local" },
    });
    expect(unknown.status).toBe(404);
    await expect(stripe.customers.create({ email: "not-an-email" })).rejects.toMatchObject({
      statusCode: 400,
      param: "email",
    });
    await expect(stripe.customers.retrieve("cus_missing")).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      code: "resource_missing",
      message: "No such customer: 'cus_missing'",
    });
  });

  it("accepts curl-style bracket arrays and Basic auth", async () => {
    const response = await fetch(
      `http://127.0.0.1:${sandbox.port}/v1/customers?limit=1&expand[]=data.test_clock`,
      {
        headers: { authorization: `Basic ${Buffer.from("sk_test_tollgate_local:").toString("base64")}` },
      },
    );
    expect(response.status).toBe(200);
  });
});
