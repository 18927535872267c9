/**
 * Helpers for tests against a running sandbox: an SDK client pointed at it, a webhook receiver that
 * keeps raw bodies (to verify with the SDK), and the hosted Checkout flow driven with fetch.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { LOCAL_STRIPE } from "./constants";
import { createStripeSandbox, type StripeSandbox, type StripeSandboxOptions } from "./create-stripe-sandbox";

/**
 * The official SDK configured for a sandbox, as the app configures it from STRIPE_API_URL; `key` may be
 * a meter event session's token, as Stripe's docs build the client for the v2 meter event stream.
 */
export function sdkFor(
  sandbox: Pick<StripeSandbox, "port">,
  key: string = LOCAL_STRIPE.testSecretKey,
): Stripe {
  return new Stripe(key, {
    host: "127.0.0.1",
    port: sandbox.port,
    protocol: "http",
    maxNetworkRetries: 0,
  });
}

/** A webhook as received: the exact bytes and the signature header. */
export interface ReceivedWebhook {
  rawBody: string;
  signature: string;
}

/** A local HTTP endpoint that records webhooks; `answers` are statuses to send first (then 200). */
export async function startReceiver(answers: number[] = []): Promise<{
  url: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}> {
  const received: ReceivedWebhook[] = [];
  const queue = [...answers];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        rawBody: Buffer.concat(chunks).toString("utf8"),
        signature: String(req.headers["stripe-signature"] ?? ""),
      });
      res.writeHead(queue.shift() ?? 200, { "content-type": "application/json" });
      res.end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/stripe/webhook`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A sandbox with fast webhook retries, its receiver and an SDK client. */
export async function startSandboxWithReceiver(
  options: StripeSandboxOptions & { receiverAnswers?: number[] } = {},
): Promise<{
  sandbox: StripeSandbox;
  stripe: Stripe;
  receiver: Awaited<ReturnType<typeof startReceiver>>;
  close(): Promise<void>;
}> {
  const receiver = await startReceiver(options.receiverAnswers);
  const sandbox = await createStripeSandbox({
    webhookUrl: receiver.url,
    webhookSecret: LOCAL_STRIPE.testWebhookSecret,
    webhookRetryDelaysMs: [20, 40, 80, 160],
    ...options,
  });
  return {
    sandbox,
    stripe: sdkFor(sandbox),
    receiver,
    close: async () => {
      await sandbox.close();
      await receiver.close();
    },
  };
}

/** Opens a Checkout URL, checks the page, submits "Pay and subscribe"; returns the redirect target. */
export async function payCheckout(
  checkoutUrl: string,
  form: Record<string, string> = {},
): Promise<{ page: string; location: string }> {
  const pageResponse = await fetch(checkoutUrl);
  const page = await pageResponse.text();
  if (pageResponse.status !== 200) throw new Error(`checkout page answered ${pageResponse.status}: ${page}`);
  const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
  if (!action) throw new Error("no checkout form");
  const response = await fetch(new URL(action, checkoutUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
    redirect: "manual",
  });
  const location = response.headers.get("location");
  if (response.status !== 303 || !location)
    throw new Error(`checkout did not redirect: ${response.status} ${await response.text()}`);
  return { page, location };
}

/** A meter for events named `eventName`, aggregated by `formula` (sum by default), shown under that name. */
export function createMeter(
  stripe: Stripe,
  eventName: string,
  formula: Stripe.Billing.MeterCreateParams.DefaultAggregation.Formula = "sum",
): Promise<Stripe.Billing.Meter> {
  return stripe.billing.meters.create({
    display_name: eventName,
    event_name: eventName,
    default_aggregation: { formula },
  });
}

/** Creates a product with a flat monthly price, a metered price on a sum meter, and features. */
export async function createPlan(
  stripe: Stripe,
  input: {
    name: string;
    monthly: number;
    perUnitDecimal: string;
    meter: Stripe.Billing.Meter;
    features: Stripe.Entitlements.Feature[];
    key: string;
  },
): Promise<{ product: Stripe.Product; flat: Stripe.Price; metered: Stripe.Price }> {
  const product = await stripe.products.create({ name: input.name, metadata: { plan: input.key } });
  const flat = await stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount: input.monthly,
    recurring: { interval: "month" },
    lookup_key: `${input.key}_monthly`,
  });
  const metered = await stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount_decimal: Stripe.Decimal.from(input.perUnitDecimal),
    recurring: { interval: "month", usage_type: "metered", meter: input.meter.id },
    lookup_key: `${input.key}_usage`,
  });
  for (const feature of input.features)
    await stripe.products.createFeature(product.id, { entitlement_feature: feature.id });
  return { product, flat, metered };
}
