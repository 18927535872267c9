/**
 * The pages Stripe hosts for browser flows, reduced to plain accessible HTML forms: Checkout
 * (`GET /checkout/{cs_id}`, "Pay and subscribe") and the Customer Portal (`GET /portal/{bps_id}`:
 * cancel at period end, undo, cancel now, switch plan). No JavaScript, so tests drive them with fetch.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { escapeHtml } from "@tollgate/local-http";
import { applyPortalAction, type PortalAction } from "../api/billing-portal";
import { completeCheckout } from "../api/checkout";
import type { SandboxEngine } from "../engine/sandbox-engine";
import { periodOf } from "../engine/subscriptions";
import { StripeApiError } from "../errors";
import type { PriceObject } from "../objects";

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Stripe sandbox</title>
<style>
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #ddd}
button{font:inherit;padding:.5rem 1rem;margin:.25rem 0;cursor:pointer}
.note{color:#555;font-size:.9rem}
</style>
</head>
<body>
<main>
<p class="note">Tollgate Stripe sandbox: test mode, no real money moves.</p>
${body}
</main>
</body>
</html>`;
}

function amount(decimal: string | null, currency: string): string {
  const value = Number(decimal ?? 0) / 100;
  return `${currency.toUpperCase()} ${value.toFixed(value !== 0 && value < 0.01 ? 4 : 2)}`;
}

/** A price as a person reads it: "USD 29.00 / month", or its tiers ("first 50,000 units at USD 0.00"). */
function money(engine: SandboxEngine, price: PriceObject): string {
  const metered = price.recurring?.usage_type === "metered";
  const per = metered ? "unit" : (price.recurring?.interval ?? "unit");
  let text: string;
  if (price.billing_scheme === "tiered") {
    let below = 0;
    const tiers = engine.tiersOf(price).map((tier) => {
      const range =
        tier.up_to === null
          ? below === 0
            ? "every"
            : `above ${below.toLocaleString("en-US")}`
          : `${below === 0 ? "first" : `${(below + 1).toLocaleString("en-US")} to`} ${tier.up_to.toLocaleString("en-US")}`;
      if (tier.up_to !== null) below = tier.up_to;
      const flat =
        tier.flat_amount_decimal === null ? "" : ` + ${amount(tier.flat_amount_decimal, price.currency)}`;
      return `${range} ${per}s at ${amount(tier.unit_amount_decimal, price.currency)}${flat}`;
    });
    text = `${price.tiers_mode === "volume" ? "Volume" : "Graduated"} pricing: ${tiers.join("; ")}`;
  } else {
    const interval = price.recurring
      ? ` / ${price.recurring.interval_count > 1 ? `${price.recurring.interval_count} ` : ""}${price.recurring.interval}`
      : "";
    text = `${amount(price.unit_amount_decimal, price.currency)}${metered ? " per unit" : interval}`;
  }
  return metered ? `${text}, billed monthly in arrears` : text;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(html);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, "cache-control": "no-store" });
  res.end();
}

function productName(engine: SandboxEngine, price: PriceObject): string {
  return engine.state.products.get(price.product)?.name ?? price.product;
}

function renderCheckout(engine: SandboxEngine, id: string): { status: number; html: string } {
  const record = engine.state.checkoutSessions.get(id);
  if (!record) return { status: 404, html: page("Not found", "<h1>Checkout session not found</h1>") };
  const session = record.session;
  if (session.status === "open" && session.expires_at <= engine.now()) session.status = "expired";
  if (session.status !== "open") {
    return {
      status: 410,
      html: page("Checkout", `<h1>This checkout session is ${escapeHtml(session.status ?? "closed")}</h1>`),
    };
  }
  const customer = session.customer ? engine.state.customers.get(session.customer) : undefined;
  const rows = record.lineItems
    .map((item) => {
      const price = engine.price(item.price);
      return `<tr><td>${escapeHtml(productName(engine, price))}</td><td>${item.quantity ?? "metered"}</td><td>${escapeHtml(money(engine, price))}</td></tr>`;
    })
    .join("\n");
  const emailField = customer
    ? `<p>Subscribing as <strong>${escapeHtml(customer.email ?? customer.id)}</strong>.</p>`
    : `<p><label>Email <input type="email" name="email" required value="${escapeHtml(session.customer_email ?? "")}"></label></p>`;
  const trial = record.subscriptionData.trialPeriodDays
    ? `<p>Free trial: ${record.subscriptionData.trialPeriodDays} days.</p>`
    : "";
  const promotion = session.allow_promotion_codes
    ? `<p><label>Promotion code <input name="promotion_code" autocomplete="off"></label></p>`
    : "";
  const address =
    session.billing_address_collection === "required"
      ? `<fieldset><legend>Billing address</legend>
<p><label>Country (two letters) <input name="country" required pattern="[A-Za-z]{2}" autocomplete="country" value="${escapeHtml(customer?.address?.country ?? "")}"></label></p>
<p><label>Postal code <input name="postal_code" autocomplete="postal-code" value="${escapeHtml(customer?.address?.postal_code ?? "")}"></label></p>
</fieldset>`
      : "";
  const tax = session.automatic_tax.enabled ? `<p>Tax is calculated from your billing address.</p>` : "";
  const total = (session.amount_total / 100).toFixed(2);
  const cancel = session.cancel_url
    ? `<p><a href="${escapeHtml(session.cancel_url)}">Cancel and go back</a></p>`
    : "";
  return {
    status: 200,
    html: page(
      "Checkout",
      `<h1>Subscribe</h1>
<table>
<caption>Your plan</caption>
<thead><tr><th scope="col">Product</th><th scope="col">Quantity</th><th scope="col">Price</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p>Due today: <strong>${escapeHtml(session.currency.toUpperCase())} ${total}</strong></p>
${trial}
<form method="post" action="/checkout/${escapeHtml(id)}/pay">
${emailField}
${address}
${promotion}
${tax}
<p class="note">Card: 4242 4242 4242 4242 (simulated)</p>
<button type="submit">Pay and subscribe</button>
</form>
${cancel}`,
    ),
  };
}

function renderPortal(engine: SandboxEngine, id: string): { status: number; html: string } {
  const portal = engine.state.portalSessions.get(id);
  if (!portal) return { status: 404, html: page("Not found", "<h1>Portal session not found</h1>") };
  const customer = engine.state.customers.get(portal.customer);
  const subscriptions = [...engine.state.subscriptions.values()].filter(
    (record) => record.customer === portal.customer && record.status !== "canceled",
  );
  const sections = subscriptions.map((record) => {
    const items = record.items.map((item) => engine.price(item.price));
    const licensed = items.find((price) => price.recurring?.usage_type !== "metered") ?? items[0];
    const { end } = periodOf(record);
    const endDate = new Date((record.cancel_at ?? end) * 1000).toISOString().slice(0, 10);
    const action = (name: string, label: string, extra = "") =>
      `<form method="post" action="/portal/${escapeHtml(id)}/subscriptions/${escapeHtml(record.id)}/${name}">${extra}<button type="submit">${escapeHtml(label)}</button></form>`;
    const others = [...engine.state.prices.values()].filter(
      (price) =>
        price.active &&
        price.recurring?.usage_type === "licensed" &&
        licensed !== undefined &&
        price.product !== licensed.product &&
        price.currency === licensed.currency &&
        price.recurring.interval === licensed.recurring?.interval &&
        engine.state.products.get(price.product)?.active !== false,
    );
    const switches = others
      .map((price) =>
        action(
          "switch",
          `Switch to ${productName(engine, price)} (${money(engine, price)})`,
          `<input type="hidden" name="price" value="${escapeHtml(price.id)}">`,
        ),
      )
      .join("\n");
    return `<section aria-labelledby="h-${escapeHtml(record.id)}">
<h2 id="h-${escapeHtml(record.id)}">${escapeHtml(licensed ? productName(engine, licensed) : record.id)}</h2>
<ul>${items.map((price) => `<li>${escapeHtml(productName(engine, price))}: ${escapeHtml(money(engine, price))}</li>`).join("")}</ul>
<p>Status: <strong>${escapeHtml(record.status)}</strong>. ${
      record.cancel_at === null ? `Renews on ${endDate}.` : `Cancels on ${endDate}.`
    }</p>
${record.cancel_at === null ? action("cancel_at_period_end", "Cancel at period end") : action("renew", "Don't cancel")}
${action("cancel_now", "Cancel now")}
${switches}
</section>`;
  });
  const back = portal.return_url
    ? `<p><a href="${escapeHtml(portal.return_url)}">Return to the app</a></p>`
    : "";
  return {
    status: 200,
    html: page(
      "Billing portal",
      `<h1>Billing for ${escapeHtml(customer?.email ?? portal.customer)}</h1>
${sections.length > 0 ? sections.join("\n") : "<p>No active subscriptions.</p>"}
${back}`,
    ),
  };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new StripeApiError(413, "invalid_request_error", "Form too large");
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/**
 * Serves `/checkout/...` and `/portal/...`; returns false for other paths. Actions run through
 * `mutate` so they persist and emit like API calls.
 */
export async function handleHostedPage(
  engine: SandboxEngine,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  mutate: <T>(action: () => T) => T,
): Promise<boolean> {
  const checkout = /^\/checkout\/([^/]+)(\/pay)?$/.exec(pathname);
  const portal =
    /^\/portal\/([^/]+)(?:\/subscriptions\/([^/]+)\/(cancel_at_period_end|renew|cancel_now|switch))?$/.exec(
      pathname,
    );
  if (!checkout && !portal) return false;
  try {
    if (checkout) {
      const id = decodeURIComponent(checkout[1] ?? "");
      if (req.method === "GET" && !checkout[2]) {
        const { status, html } = renderCheckout(engine, id);
        send(res, status, html);
        return true;
      }
      if (req.method === "POST" && checkout[2]) {
        const form = await readForm(req);
        const location = mutate(() =>
          completeCheckout(engine, id, {
            email: form.get("email") ?? undefined,
            name: form.get("name") ?? undefined,
            promotionCode: form.get("promotion_code") ?? undefined,
            address: {
              country: form.get("country") ?? undefined,
              postal_code: form.get("postal_code") ?? undefined,
            },
          }),
        );
        redirect(res, location);
        return true;
      }
    }
    if (portal) {
      const id = decodeURIComponent(portal[1] ?? "");
      if (req.method === "GET" && !portal[2]) {
        const { status, html } = renderPortal(engine, id);
        send(res, status, html);
        return true;
      }
      if (req.method === "POST" && portal[2] && portal[3]) {
        const form = await readForm(req);
        const kind = portal[3];
        const action: PortalAction =
          kind === "switch"
            ? { kind, price: form.get("price") ?? "" }
            : { kind: kind as Exclude<PortalAction["kind"], "switch"> };
        mutate(() => applyPortalAction(engine, id, decodeURIComponent(portal[2] ?? ""), action));
        redirect(res, `/portal/${encodeURIComponent(id)}`);
        return true;
      }
    }
    send(res, 405, page("Not allowed", "<h1>Method not allowed</h1>"));
  } catch (error) {
    const message = error instanceof Error ? error.message : "Something went wrong";
    const status = error instanceof StripeApiError ? error.status : 500;
    send(
      res,
      status,
      page(
        "Error",
        `<h1>Could not complete this</h1><p role="alert">${escapeHtml(message)}</p>${
          checkout ? `<p><a href="/checkout/${escapeHtml(checkout[1] ?? "")}">Back to checkout</a></p>` : ""
        }`,
      ),
    );
  }
  return true;
}
