import type { Plan } from "@/lib/billing/plans";
import { formatDate } from "@/lib/format";
import { priceLabel, savingLabel, trialLabel } from "@/app/pricing/plan-prices";
import type { IntervalChoice } from "./billing-forms";

/** The stored facts of a subscription the billing page describes (a subset of the Subscription row). */
interface SubscriptionTerms {
  status: string;
  interval: string;
  trialEnd: Date | null;
  currentPeriodEnd: Date;
}

/**
 * How the billing page states a live subscription's terms: "Status trialing. Trial ends on
 * 2026-12-20, then billed monthly." or "Status active. Billed annually; renews on 2027-12-06."
 */
export function renewalText(subscription: SubscriptionTerms): string {
  const billed = subscription.interval === "year" ? "annually" : "monthly";
  if (subscription.status === "trialing" && subscription.trialEnd) {
    return `Status trialing. Trial ends on ${formatDate(subscription.trialEnd)}, then billed ${billed}.`;
  }
  return `Status ${subscription.status}. Billed ${billed}; renews on ${formatDate(subscription.currentPeriodEnd)}.`;
}

/** The upgrade form's choices for a paid plan: monthly, and annual with its saving when it has one. */
export function intervalChoices(plan: Plan): IntervalChoice[] {
  const trial = trialLabel(plan);
  const choices: IntervalChoice[] = [
    { interval: "month", label: `Monthly, ${priceLabel(plan, "month")}`, note: trial },
  ];
  if (plan.stripe?.yearlyPrice) {
    const saving = savingLabel(plan);
    choices.push({
      interval: "year",
      label: `Annual, ${priceLabel(plan, "year")}`,
      note: [saving, trial].filter(Boolean).join(", ") || null,
    });
  }
  return choices;
}
