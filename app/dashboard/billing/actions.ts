"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { noInput, validatedActionWithAccount, type ActionState } from "@/lib/auth/validated-action";
import { createCheckoutSession, createPortalSession } from "@/lib/billing/checkout";
import { getCustomerAccess } from "@/lib/billing/access-cache";
import { BillingError } from "@/lib/billing/errors";
import { paidPlans, pricesFor } from "@/lib/billing/plans";
import { getStripe } from "@/lib/billing/stripe";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";

/** Billing actions leave the page (to Stripe) when they succeed, so a form only ever shows a refusal. */
export type BillingActionState = ActionState<never>;

const billingUrl = () => `${getConfig().auth.appBaseUrl.replace(/\/$/, "")}/dashboard/billing`;

const CHOOSE_A_PLAN = "Choose one of the plans on this page.";

const checkoutInput = z
  .object({
    plan: z.string(CHOOSE_A_PLAN).transform((id, context) => {
      const plan = paidPlans().find((candidate) => candidate.id === id);
      if (plan) return plan;
      context.addIssue({ code: "custom", message: CHOOSE_A_PLAN });
      return z.NEVER;
    }),
    // Monthly unless the form says otherwise; "year" only for a plan with an annual price.
    interval: z.string().default("month"),
  })
  .superRefine(({ plan, interval }, context) => {
    try {
      pricesFor(plan, interval);
    } catch (error) {
      if (!(error instanceof BillingError)) throw error;
      context.addIssue({ code: "custom", path: ["interval"], message: error.message });
    }
  });

// Server action – start Stripe Checkout for a paid plan (customers without a paid plan only)
export const checkoutAction = validatedActionWithAccount(
  checkoutInput,
  async ({ plan, interval }, account): Promise<BillingActionState> => {
    const access = await getCustomerAccess(getDb(), account.customerId);
    if (access.subscriptionId) {
      return {
        status: "error",
        message: "You already have a subscription: change it in the billing portal.",
      };
    }
    const session = await createCheckoutSession(getStripe(), {
      plan,
      interval,
      stripeCustomerId: account.stripeCustomerId,
      successUrl: `${billingUrl()}?checkout=success`,
      cancelUrl: `${billingUrl()}?checkout=canceled`,
      tax: getConfig().stripe.tax,
    });
    redirect(session.url);
  },
  {
    permission: "billing:manage",
    event: "dashboard.checkout_failed",
    message: "Checkout could not be started. Try again in a moment.",
  },
);

// Server action – open the Stripe Customer Portal for the signed-in customer
export const portalAction = validatedActionWithAccount(
  noInput,
  async (_input, account): Promise<BillingActionState> =>
    redirect(
      await createPortalSession(getStripe(), {
        stripeCustomerId: account.stripeCustomerId,
        returnUrl: billingUrl(),
      }),
    ),
  {
    permission: "billing:manage",
    event: "dashboard.portal_failed",
    message: "The billing portal could not be opened. Try again in a moment.",
  },
);
