import type { Metadata } from "next";
import { CURRENCY, PLAN_LIST, scopeName, type Plan } from "@/lib/billing/plans";
import { formatCount, formatMoney } from "@/lib/format";

export const metadata: Metadata = { title: "Pricing" };

function price(plan: Plan): string {
  if (!plan.stripe) return formatMoney(0, CURRENCY, "trim-whole");
  return `${formatMoney(plan.stripe.flatPrice.unitAmountCents, CURRENCY, "trim-whole")} / month`;
}

// GET /pricing – the plans as a table anyone can read
export default function PricingPage() {
  return (
    <main className="mx-auto max-w-5xl px-4 py-12">
      <h1 className="text-3xl font-bold">Pricing</h1>
      <p className="mt-2 text-slate-700">
        Start free. Upgrade when you need to write; pay per unit beyond that.
      </p>
      <ul className="mt-8 grid gap-6 md:grid-cols-3">
        {PLAN_LIST.map((plan) => (
          <li key={plan.id} className="card flex flex-col">
            <h2 className="text-xl font-semibold">{plan.name}</h2>
            <p className="mt-1 text-2xl font-bold">{price(plan)}</p>
            {plan.stripe ? (
              <p className="muted">
                plus {formatMoney(Number(plan.stripe.meteredPrice.unitAmountDecimalCents), CURRENCY, 3)} per
                extra unit
              </p>
            ) : (
              <p className="muted">no card needed</p>
            )}
            <p className="mt-3 text-sm">{plan.description}</p>
            <ul className="mt-3 flex-1 space-y-1 text-sm">
              {plan.features.map((feature) => (
                <li key={feature}>✓ {scopeName(feature)}</li>
              ))}
              <li>
                {plan.limits.hardCapUnits === null
                  ? `${formatCount(plan.limits.includedUnits)} units a month included`
                  : `Up to ${formatCount(plan.limits.hardCapUnits)} units a month`}
              </li>
              <li>{plan.limits.rateLimit.points} requests per second</li>
            </ul>
            <a
              href={`/auth/login?returnTo=${encodeURIComponent(plan.stripe ? "/dashboard/billing" : "/dashboard")}`}
              className={`mt-5 ${plan.stripe ? "btn" : "btn-secondary"}`}
            >
              {plan.stripe ? `Choose ${plan.name}` : "Start free"}
            </a>
          </li>
        ))}
      </ul>
    </main>
  );
}
