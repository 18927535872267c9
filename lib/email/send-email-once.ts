import "server-only";
import { afterResponse } from "@/lib/after-response";
import type { Database } from "@/lib/db";
import { log, scrub } from "@/lib/log";
import { getMailer, type Mailer } from "./mailer";

/** What an email is about: one row per cause, so the same cause never sends twice. */
export interface EmailToSend {
  /** The event that sends it, e.g. `invitation:<id>` or `payment_failed:<invoice id>`. */
  cause: string;
  /** The template, e.g. "invitation"; for logs and the row. */
  kind: string;
  customerId?: string | null;
  /** One address, or several separated by commas. */
  to: string;
  subject: string;
  text: string;
  html?: string | null;
}

/** What `sendEmailOnce` did. `failed` messages are retried by `sendPendingEmails`. */
export type SendOutcome =
  { status: "sent" } | { status: "duplicate" } | { status: "failed"; error: string } | { status: "disabled" };

/** Attempts at one message before it is given up (each run of the email job makes at most one). */
export const MAX_EMAIL_ATTEMPTS = 6;
/**
 * When attempt n + 1 may start, in minutes after the email was first recorded (index n = attempts so
 * far): a relay down for minutes or half a day is waited out, without a column of its own.
 */
export const RETRY_AFTER_MINUTES = [0, 1, 5, 30, 120, 720] as const;
/** A first attempt that neither succeeded nor failed by then died with its process: retry it. */
const ABANDONED_AFTER_MS = 10 * 60_000;

/** Where emails are recorded: the database, or a transaction that makes their cause. */
export type EmailStore = Pick<Database, "emailMessage">;

/**
 * Records an email under its cause and sends it, once: a second call with the same cause, at the
 * same time or a year later, finds the row and sends nothing. The row is written before the send
 * (INSERT ... ON CONFLICT DO NOTHING), so a failed send is kept with its error and retried by
 * `sendPendingEmails` with exactly the content first rendered.
 *
 * @example await sendEmailOnce(db, { cause: `key_expiring:${id}`, kind: "key_expiring", to, ...apiKeyExpiringEmail(...) })
 */
export async function sendEmailOnce(
  db: Database,
  email: EmailToSend,
  mailer: Mailer | null = getMailer(),
): Promise<SendOutcome> {
  if (!mailer) {
    log.warn("email.disabled", { kind: email.kind, cause: email.cause });
    return { status: "disabled" };
  }
  if (!(await recordEmail(db, email))) return { status: "duplicate" };
  return deliver(db, mailer, { ...email, html: email.html ?? null });
}

/**
 * Records an email for the caller to send with `sendRecordedEmail`; false when its cause already has
 * one. Called inside the transaction that makes the cause (a webhook event's, an invitation's), the
 * email commits or rolls back with it: a process that dies after the commit leaves the row to
 * `sendPendingEmails` rather than losing the email, and a rolled-back event records it again when
 * Stripe redelivers.
 */
export async function recordEmail(db: EmailStore, email: EmailToSend): Promise<boolean> {
  // The recorder owns the first attempt (attempts = 1), so no retry run sends it meanwhile.
  const { count } = await db.emailMessage.createMany({
    data: [
      {
        cause: email.cause,
        kind: email.kind,
        customerId: email.customerId ?? null,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html ?? null,
        attempts: 1,
      },
    ],
    skipDuplicates: true,
  });
  return count === 1;
}

/** Sends an email `recordEmail` recorded (after its transaction committed): its first attempt. */
export async function sendRecordedEmail(
  db: Database,
  email: EmailToSend,
  mailer: Mailer | null = getMailer(),
): Promise<SendOutcome> {
  if (!mailer) return { status: "disabled" };
  return deliver(db, mailer, { ...email, html: email.html ?? null });
}

/**
 * An invitation's link: its token is the invitation's only secret, and the invitations table keeps
 * only its hash. The email's row must keep it until the email is sent, for retries; no longer.
 */
const INVITATION_LINK = /\/invitations\/[A-Za-z0-9_-]+/g;

/**
 * A message's text with its secret links cut, for the row once it needs them no more (sent, or given
 * up): a leaked database or backup then holds no link that works.
 */
export function withoutSecrets<Body extends string | null>(body: Body): Body {
  return (body === null ? body : body.replace(INVITATION_LINK, "/invitations/[removed]")) as Body;
}

type Deliverable = Pick<EmailToSend, "cause" | "kind" | "to" | "subject" | "text" | "html">;

/**
 * Sends emails `recordEmail` recorded once the response is sent (and so after their transaction
 * committed): an SMTP relay's latency or failure must never fail or slow what made them (a webhook
 * delivery Stripe would retry, an invitation). A send that fails, or dies with the process, is retried
 * by the email job (`sendPendingEmails`).
 */
export function sendRecordedEmailsAfterResponse(db: Database, emails: readonly EmailToSend[]): void {
  for (const email of emails) afterResponse(`email.${email.kind}`, () => sendRecordedEmail(db, email));
}

async function deliver(
  db: Database,
  mailer: Mailer,
  email: Deliverable,
  lastAttempt = false,
): Promise<SendOutcome> {
  try {
    await mailer.send(email);
  } catch (error) {
    // Kept short and scrubbed: an SMTP error may quote a recipient ("550 <bob@...> rejected"), and the
    // error is logged; the row keeps it for operators.
    const message = scrub(error instanceof Error ? error.message : String(error))
      .replace(/[^\s<>@"'(),;:]+@[^\s<>@"'(),;:]+/g, "[address]")
      .slice(0, 500);
    await db.emailMessage.update({
      where: { cause: email.cause },
      data: { lastError: message, ...(lastAttempt ? secretsCut(email) : {}) },
    });
    log.warn("email.failed", { kind: email.kind, cause: email.cause, error: message });
    return { status: "failed", error: message };
  }
  await db.emailMessage.update({
    where: { cause: email.cause },
    data: { sentAt: new Date(), lastError: null, ...secretsCut(email) },
  });
  log.info("email.sent", { kind: email.kind, cause: email.cause });
  return { status: "sent" };
}

function secretsCut(email: Deliverable): { text: string; html: string | null } {
  return { text: withoutSecrets(email.text), html: withoutSecrets(email.html ?? null) };
}

/** What one retry run did. */
export interface PendingEmailsSummary {
  sent: number;
  failed: number;
}

/**
 * Retries emails whose send failed (or whose first attempt died with its process), one attempt each
 * per run once RETRY_AFTER_MINUTES allows, up to MAX_EMAIL_ATTEMPTS. Run one at a time (the email
 * job's lease): each retry claims its row by bumping `attempts` from the value it read, so an
 * overlapping run would skip it anyway.
 */
export async function sendPendingEmails(
  db: Database,
  mailer: Mailer | null = getMailer(),
  options: { limit?: number; now?: Date } = {},
): Promise<PendingEmailsSummary> {
  const summary = { sent: 0, failed: 0 };
  if (!mailer) return summary;
  const now = options.now ?? new Date();
  const pending = await db.emailMessage.findMany({
    where: {
      sentAt: null,
      attempts: { lt: MAX_EMAIL_ATTEMPTS },
      OR: [{ lastError: { not: null } }, { createdAt: { lt: new Date(now.getTime() - ABANDONED_AFTER_MS) } }],
    },
    orderBy: { createdAt: "asc" },
    take: options.limit ?? 50,
  });
  for (const row of pending) {
    const waitMinutes = RETRY_AFTER_MINUTES[row.attempts] ?? Infinity;
    if (row.lastError !== null && now.getTime() < row.createdAt.getTime() + waitMinutes * 60_000) continue;
    const claimed = await db.emailMessage.updateMany({
      where: { cause: row.cause, sentAt: null, attempts: row.attempts },
      data: { attempts: { increment: 1 } },
    });
    if (claimed.count === 0) continue;
    const outcome = await deliver(db, mailer, row, row.attempts + 1 >= MAX_EMAIL_ATTEMPTS);
    if (outcome.status === "sent") summary.sent += 1;
    else summary.failed += 1;
  }
  return summary;
}
