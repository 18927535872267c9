import type { Metadata } from "next";
import { CURRENCY, limitsFor, PLAN_LIST, scopeName, type BillingInterval } from "@/lib/billing/plans";
import { formatCount, formatMoney } from "@/lib/format";
import { intervalParam, priceLabel, savingLabel, trialLabel } from "./plan-prices";

export const metadata: Metadata = { title: "Pricing" };

const INTERVALS: { value: BillingInterval; label: string }[] = [
  { value: "month", label: "Monthly" },
  { value: "year", label: "Annual" },
];

// GET /pricing – the plans as a table anyone can read, billed monthly or (?interval=year) annually
export default async function PricingPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const interval = intervalParam((await searchParams).interval);
  return (
    <main className="mx-auto max-w-5xl px-4 py-12">
      <h1 className="text-3xl font-bold">Pricing</h1>
      <p className="mt-2 text-slate-700">
        Start free. Upgrade when you need to write; pay per unit beyond that.
      </p>
      {/* A GET form of two toggle buttons: it works without JavaScript and keeps the choice in the URL. */}
      <form
        method="get"
        className="mt-6 inline-flex rounded-md border border-slate-300 p-1"
        aria-label="Billing"
      >
        {INTERVALS.map((option) => (
          <button
            key={option.value}
            type="submit"
            name="interval"
            value={option.value}
            aria-pressed={interval === option.value}
            className={`rounded px-4 py-1.5 text-sm font-medium ${
              interval === option.value ? "bg-slate-900 text-white" : "text-slate-700 hover:bg-slate-100"
            }`}
          >
            {option.label}
          </button>
        ))}
      </form>
      <ul className="mt-8 grid gap-6 md:grid-cols-3">
        {PLAN_LIST.map((plan) => {
          const annual = interval === "year" && plan.stripe?.yearlyPrice !== undefined;
          const included = limitsFor(plan, annual ? "year" : "month").includedUnits;
          const saving = annual ? savingLabel(plan) : null;
          const trial = trialLabel(plan);
          const returnTo = plan.stripe
            ? `/dashboard/billing${interval === "year" ? "?interval=year" : ""}`
            : "/dashboard";
          return (
            <li key={plan.id} className="card flex flex-col" data-testid={`plan-${plan.id}`}>
              <h2 className="text-xl font-semibold">{plan.name}</h2>
              <p className="mt-1 text-2xl font-bold" data-testid={`price-${plan.id}`}>
                {priceLabel(plan, interval)}
              </p>
              {saving && (
                <p className="text-sm font-medium text-emerald-800" data-testid={`saving-${plan.id}`}>
                  {saving}
                </p>
              )}
              {interval === "year" && plan.stripe && !annual && <p className="muted">billed monthly only</p>}
              {plan.stripe ? (
                <p className="muted">
                  plus {formatMoney(Number(plan.stripe.meteredPrice.unitAmountDecimalCents), CURRENCY, 3)} per
                  extra unit
                </p>
              ) : (
                <p className="muted">no card needed</p>
              )}
              {trial && <p className="text-sm font-medium">{trial}</p>}
              <p className="mt-3 text-sm">{plan.description}</p>
              <ul className="mt-3 flex-1 space-y-1 text-sm">
                {plan.features.map((feature) => (
                  <li key={feature}>✓ {scopeName(feature)}</li>
                ))}
                <li>
                  {plan.limits.hardCapUnits === null
                    ? `${formatCount(included)} units a ${annual ? "year" : "month"} included`
                    : `Up to ${formatCount(plan.limits.hardCapUnits)} units a month`}
                </li>
                <li>{plan.limits.rateLimit.points} requests per second</li>
              </ul>
              <a
                href={`/auth/login?returnTo=${encodeURIComponent(returnTo)}`}
                className={`mt-5 ${plan.stripe ? "btn" : "btn-secondary"}`}
              >
                {plan.stripe ? `Choose ${plan.name}` : "Start free"}
              </a>
            </li>
          );
        })}
      </ul>
    </main>
  );
}
