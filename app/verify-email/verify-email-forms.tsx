"use client";

import { useActionState } from "react";
import { SubmitButton } from "@/components/submit-button";
import { Notice } from "@/components/ui/notice";
import {
  continueAfterVerificationAction,
  resendVerificationEmailAction,
  type VerifyEmailState,
} from "./actions";

function Outcome({ state }: { state: VerifyEmailState }) {
  if (state.status === "idle") return null;
  if (state.status === "error") {
    return (
      <Notice tone="error" role="alert" data-code={state.code}>
        {state.message}
      </Notice>
    );
  }
  return (
    <Notice tone="info" role="status">
      {state.message}
    </Notice>
  );
}

/** Continue (refresh the session and check again) and, where Auth0 offers it, send the link again. */
export function VerifyEmailForms({ canResend }: { canResend: boolean }) {
  const [checked, check] = useActionState<VerifyEmailState, FormData>(
    () => continueAfterVerificationAction(),
    { status: "idle" },
  );
  const [sent, resend] = useActionState<VerifyEmailState, FormData>(() => resendVerificationEmailAction(), {
    status: "idle",
  });
  return (
    <div className="space-y-4">
      <form action={check} className="space-y-2">
        <SubmitButton pendingText="Checking…">I have verified my email: continue</SubmitButton>
        <div aria-live="polite">
          <Outcome state={checked} />
        </div>
      </form>
      {canResend && (
        <form action={resend} className="space-y-2">
          <SubmitButton pendingText="Sending…" className="btn-secondary">
            Send the link again
          </SubmitButton>
          <div aria-live="polite">
            <Outcome state={sent} />
          </div>
        </form>
      )}
    </div>
  );
}
