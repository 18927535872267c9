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

/** "Upgrade to <plan>": a Checkout Session, then the hosted payment page. */
export function CheckoutButton({ planId, planName }: { planId: string; planName: string }) {
  const [state, action] = useActionState(checkoutAction, idle);
  return (
    <form action={action}>
      <input type="hidden" name="plan" value={planId} />
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
