import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { isEmailVerified } from "@/lib/auth/open-account";
import { signInUrl } from "@/lib/auth/return-to";
import { requireSession } from "@/lib/auth/session";
import { canResendVerificationEmail } from "@/lib/auth/verification-email";
import { VerifyEmailForms } from "./verify-email-forms";

export const metadata: Metadata = { title: "Verify your email" };

// GET /verify-email – why the dashboard waits, and how to go on. Reads the session only: no account,
// user row or Stripe customer is made here.
export default async function VerifyEmailPage() {
  const session = await requireSession();
  const email = typeof session.user.email === "string" ? session.user.email : "";
  // Verified, or no email at all (the dashboard explains that one): nothing to do here.
  if (email === "" || isEmailVerified(session.user)) redirect("/dashboard");
  const canResend = canResendVerificationEmail(session.user);

  return (
    <main className="mx-auto max-w-2xl space-y-5 px-4 py-12">
      <h1 className="text-2xl font-bold">Verify your email address</h1>
      <p>
        Your account opens once you confirm that <strong>{email}</strong> is yours. We emailed you a link when
        you signed up: open it.
      </p>
      <p className="muted">
        {canResend
          ? "Opened it already? Your sign-in still carries the old answer: choose Continue to check again, or sign in again."
          : "Your identity provider verifies this address: verify it there, then choose Continue or sign in again."}
      </p>
      <VerifyEmailForms canResend={canResend} />
      <p className="flex flex-wrap gap-x-5">
        <a href={signInUrl("/dashboard")}>Sign in again</a>
        <a href="/auth/logout">Sign out</a>
      </p>
    </main>
  );
}
