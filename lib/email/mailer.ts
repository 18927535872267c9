import "server-only";
import { createTransport } from "nodemailer";
import { getConfig } from "@/lib/config";
import type { EmailConfig } from "@/lib/config/schema";
import { processKey, processSingleton } from "@/lib/process-state";

/** One message as it leaves: the sender comes from the mailer. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  /** Set as `X-Tollgate-Cause`, so a received mail names the event that sent it. */
  cause: string;
}

/** Sends over SMTP; `null` when no relay is configured (emails off). */
export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
}

/** Where the process keeps its mailer; tests put one aimed at their own catcher there. */
export const mailerKey = processKey<Mailer | null>("email:mailer");

// Short timeouts: a send runs inside a webhook delivery or a job with a budget, and a relay that does
// not answer is better retried later (sendPendingEmails) than waited on for nodemailer's 2 minutes.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/**
 * A mailer over one nodemailer SMTP transport (a connection per message, no pool: an instance may be
 * frozen between requests with a pooled socket open).
 */
export function createMailer(config: Pick<EmailConfig, "smtpUrl" | "from" | "requireTls">): Mailer | null {
  if (!config.smtpUrl) return null;
  const transport = createTransport({ url: config.smtpUrl, requireTLS: config.requireTls, ...TIMEOUTS });
  return {
    async send(email) {
      await transport.sendMail({
        from: config.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        ...(email.html ? { html: email.html } : {}),
        headers: { "X-Tollgate-Cause": email.cause },
      });
    },
  };
}

/** The process's mailer, from SMTP_URL and EMAIL_FROM (local mode: the local mail catcher). */
export function getMailer(): Mailer | null {
  return processSingleton(mailerKey, () => createMailer(getConfig().email));
}
