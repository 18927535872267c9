import { formatDate, formatDateTime, formatUnits } from "@/lib/format";
import { renderEmailHtml, renderEmailText, type EmailBlock } from "./html";

/** A rendered message: what `sendEmailOnce` stores and sends. */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

function render(subject: string, blocks: EmailBlock[]): EmailContent {
  return { subject, text: renderEmailText(blocks), html: renderEmailHtml(subject, blocks) };
}

/** The invitation to join a team, with the link that accepts it through sign-in. */
export function invitationEmail(input: {
  teamName: string;
  inviterName: string;
  role: string;
  acceptUrl: string;
  expiresAt: Date;
}): EmailContent {
  return render(`${input.inviterName} invited you to ${input.teamName} on Tollgate`, [
    `${input.inviterName} invited you to join the team ${input.teamName} as ${input.role}.`,
    { href: input.acceptUrl, label: "Accept the invitation" },
    `The invitation is valid until ${formatDateTime(input.expiresAt)} UTC. If you did not expect it, ignore this email.`,
  ]);
}

/** A payment of the team's subscription failed; Stripe will retry it, but the card needs attention. */
export function paymentFailedEmail(input: {
  teamName: string;
  amountDue: string;
  nextAttemptAt: Date | null;
  billingUrl: string;
  invoiceUrl?: string | null;
}): EmailContent {
  return render(`Payment failed for ${input.teamName}`, [
    `We could not collect ${input.amountDue} for ${input.teamName}'s Tollgate subscription.`,
    input.nextAttemptAt
      ? `We will try again on ${formatDate(input.nextAttemptAt)}. Update the payment method before then to keep API access.`
      : "Update the payment method to keep API access.",
    { href: input.billingUrl, label: "Update billing details" },
    ...(input.invoiceUrl ? [{ href: input.invoiceUrl, label: "View the invoice" }] : []),
  ]);
}

/** The team has used 80% or 100% of a meter's included or capped units in the current period. */
export function usageThresholdEmail(input: {
  teamName: string;
  meter: string;
  percent: 80 | 100;
  used: number;
  limit: number;
  /** A hard cap refuses calls past it; included units are billed past it. */
  limitKind: "cap" | "included";
  periodEnd: Date;
  usageUrl: string;
}): EmailContent {
  const subject =
    input.limitKind === "cap"
      ? input.percent === 100
        ? `${input.teamName} has reached its ${input.meter} cap`
        : `${input.teamName} has used 80% of its ${input.meter} cap`
      : input.percent === 100
        ? `${input.teamName} has used all of its included ${input.meter}`
        : `${input.teamName} has used 80% of its included ${input.meter}`;
  const after =
    input.limitKind === "cap"
      ? input.percent === 100
        ? "Further calls are refused until the period ends or the plan is upgraded."
        : "At the cap, further calls are refused until the period ends or the plan is upgraded."
      : "Units past those included are billed at the plan's metered price.";
  return render(subject, [
    `${input.teamName} has used ${formatUnits(input.used)} of ${formatUnits(input.limit)} ${input.limitKind === "cap" ? "allowed" : "included"} (${input.meter}) this period, which ends on ${formatDate(input.periodEnd)}.`,
    after,
    { href: input.usageUrl, label: "See usage" },
  ]);
}

/** An API key expires soon: callers using it will be refused once it does. */
export function apiKeyExpiringEmail(input: {
  teamName: string;
  keyName: string;
  keyPrefix: string;
  expiresAt: Date;
  keysUrl: string;
}): EmailContent {
  return render(`API key "${input.keyName}" of ${input.teamName} expires on ${formatDate(input.expiresAt)}`, [
    `The API key "${input.keyName}" (${input.keyPrefix}...) of ${input.teamName} expires at ${formatDateTime(input.expiresAt)} UTC. Calls made with it will be refused from then on.`,
    "Create a new key and move your clients to it before then.",
    { href: input.keysUrl, label: "Manage API keys" },
  ]);
}
