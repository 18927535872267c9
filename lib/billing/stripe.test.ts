import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { createStripeClient, STRIPE_API_VERSION } from "./stripe";

describe("the Stripe client", () => {
  it("pins the API version of the installed SDK (an SDK upgrade must update it on purpose)", () => {
    expect(STRIPE_API_VERSION).toBe(Stripe.API_VERSION);
  });

  it.each([
    ["the sandbox over http", "http://localhost:4020", { host: "localhost", port: "4020", protocol: "http" }],
    [
      "an https proxy",
      "https://stripe.internal.example.com",
      { host: "stripe.internal.example.com", port: 443, protocol: "https" },
    ],
  ])("points at %s", (_name, apiUrl, expected) => {
    const stripe = createStripeClient({ secretKey: "sk_test_x", apiUrl });
    const settings = (stripe as unknown as { _api: Record<string, unknown> })._api;
    expect(settings).toMatchObject({ ...expected, version: STRIPE_API_VERSION, maxNetworkRetries: 2 });
  });
});
