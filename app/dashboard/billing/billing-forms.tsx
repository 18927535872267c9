"use client";

import { useActionState } from "react";
import { SubmitButton } from "@/components/submit-button";
import { Notice } from "@/components/ui/notice";
import { checkoutAction, portalAction, type BillingActionState } from "./actions";

const idle: BillingActionState = { status: "idle" };

function ErrorNote({ state }: { state: BillingActionState }) {
  return state.status === "error" ? (
    <Notice tone="error" role="alert" inline className="mt-2 text-sm">
      {state.message}
    </Notice>
  ) : null;
}

/** A way to pay for a plan in the upgrade form: "month" or "year", with its price and saving. */
export interface IntervalChoice {
  interval: "month" | "year";
  label: string;
  note: string | null;
}

/**
 * "Upgrade to <plan>": a Checkout Session, then the hosted payment page. With an annual price the
 * form offers Monthly or Annual as radio buttons (a plain form field, so it works before hydration).
 */
export function CheckoutButton({
  planId,
  planName,
  choices,
  defaultInterval,
}: {
  planId: string;
  planName: string;
  choices: IntervalChoice[];
  defaultInterval: "month" | "year";
}) {
  const [state, action] = useActionState(checkoutAction, idle);
  const selected = choices.some((choice) => choice.interval === defaultInterval) ? defaultInterval : "month";
  return (
    <form action={action}>
      <input type="hidden" name="plan" value={planId} />
      {choices.length > 1 ? (
        <fieldset className="mb-3 space-y-1 text-sm">
          <legend className="sr-only">How {planName} is billed</legend>
          {choices.map((choice) => (
            <label key={choice.interval} className="flex items-center gap-2">
              <input
                type="radio"
                name="interval"
                value={choice.interval}
                defaultChecked={choice.interval === selected}
              />
              <span>
                {choice.label}
                {choice.note && <span className="muted"> · {choice.note}</span>}
              </span>
            </label>
          ))}
        </fieldset>
      ) : (
        <input type="hidden" name="interval" value="month" />
      )}
      <SubmitButton pendingText="Opening checkout…">Upgrade to {planName}</SubmitButton>
      <ErrorNote state={state} />
    </form>
  );
}

/** "Manage billing": the Customer Portal (change plan, cancel, payment methods, invoices). */
export function PortalButton() {
  const [state, action] = useActionState(portalAction, idle);
  return (
    <form action={action}>
      <SubmitButton className="btn-secondary" pendingText="Opening the portal…">
        Manage billing
      </SubmitButton>
      <ErrorNote state={state} />
    </form>
  );
}
