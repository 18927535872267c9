import { annualSaving, CURRENCY, type BillingInterval, type Plan } from "@/lib/billing/plans";
import { formatMoney } from "@/lib/format";

/** The interval a page was asked for (`?interval=year`); anything else is monthly. */
export function intervalParam(value: string | string[] | undefined): BillingInterval {
  return value === "year" ? "year" : "month";
}

/** "$29 / month", "$290 / year", "$0"; a plan without an annual price shows its monthly one. */
export function priceLabel(plan: Plan, interval: BillingInterval): string {
  if (!plan.stripe) return formatMoney(0, CURRENCY, "trim-whole");
  const yearly = interval === "year" ? plan.stripe.yearlyPrice : undefined;
  return yearly
    ? `${formatMoney(yearly.unitAmountCents, CURRENCY, "trim-whole")} / year`
    : `${formatMoney(plan.stripe.flatPrice.unitAmountCents, CURRENCY, "trim-whole")} / month`;
}

/** What a year saves, from the prices: "2 months free (save $58)"; null without an annual price or saving. */
export function savingLabel(plan: Plan): string | null {
  const saving = annualSaving(plan);
  if (!saving || saving.cents <= 0) return null;
  const amount = formatMoney(saving.cents, CURRENCY, "trim-whole");
  if (saving.months < 1) return `save ${amount}`;
  return `${saving.months} ${saving.months === 1 ? "month" : "months"} free (save ${amount})`;
}

/** "14-day free trial", or null for a plan without one. */
export function trialLabel(plan: Plan): string | null {
  const days = plan.stripe?.trialDays;
  return days ? `${days}-day free trial` : null;
}
