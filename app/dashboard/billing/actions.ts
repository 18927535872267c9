"use server";

import { redirect } from "next/navigation";
import { requireAccount } from "@/lib/auth/session";
import { createCheckoutSession, createPortalSession } from "@/lib/billing/checkout";
import { getCustomerAccess } from "@/lib/billing/entitlements";
import { paidPlans } from "@/lib/billing/plans";
import { getStripe } from "@/lib/billing/stripe";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";

export type BillingActionState = { status: "idle" } | { status: "error"; message: string };

const billingUrl = () => `${getConfig().auth.appBaseUrl.replace(/\/$/, "")}/dashboard/billing`;

// Server action – start Stripe Checkout for a paid plan (customers without a paid plan only)
export async function checkoutAction(
  _previous: BillingActionState,
  form: FormData,
): Promise<BillingActionState> {
  const account = await requireAccount();
  const plan = paidPlans().find((candidate) => candidate.id === form.get("plan"));
  if (!plan) return { status: "error", message: "Choose one of the plans on this page." };
  const access = await getCustomerAccess(getDb(), account.customerId);
  if (access.subscriptionId) {
    return { status: "error", message: "You already have a subscription: change it in the billing portal." };
  }
  let url: string;
  try {
    url = await createCheckoutSession(getStripe(), {
      plan,
      stripeCustomerId: account.stripeCustomerId,
      successUrl: `${billingUrl()}?checkout=success`,
      cancelUrl: `${billingUrl()}?checkout=canceled`,
    });
  } catch (error) {
    log.error("dashboard.checkout_failed", { error: String(error) });
    return { status: "error", message: "Checkout could not be started. Try again in a moment." };
  }
  redirect(url);
}

// Server action – open the Stripe Customer Portal for the signed-in customer
export async function portalAction(): Promise<BillingActionState> {
  const account = await requireAccount();
  let url: string;
  try {
    url = await createPortalSession(getStripe(), {
      stripeCustomerId: account.stripeCustomerId,
      returnUrl: billingUrl(),
    });
  } catch (error) {
    log.error("dashboard.portal_failed", { error: String(error) });
    return { status: "error", message: "The billing portal could not be opened. Try again in a moment." };
  }
  redirect(url);
}
