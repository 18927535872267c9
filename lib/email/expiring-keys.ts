import "server-only";
import { getConfig } from "@/lib/config";
import type { Database } from "@/lib/db";
import type { Mailer } from "./mailer";
import { dashboardUrl, KEY_ROLES, teamRecipients } from "./recipients";
import { sendEmailOnce, type SendOutcome } from "./send-email-once";
import { apiKeyExpiringEmail } from "./templates";

/** How long before its expiry a key's team is told. */
export const KEY_EXPIRY_NOTICE_MS = 7 * 86_400_000;

/**
 * Emails the owners, admins and developers of each team with an unrevoked API key expiring within
 * seven days, once per key (cause `key_expiring:<key id>`). Runs off the request path (the email job).
 */
export async function sendKeyExpiryNotices(
  db: Database,
  options: { now?: Date; mailer?: Mailer | null } = {},
): Promise<Array<{ keyId: string; outcome: SendOutcome["status"] }>> {
  const now = options.now ?? new Date();
  const keys = await db.apiKey.findMany({
    where: { revokedAt: null, expiresAt: { gt: now, lte: new Date(now.getTime() + KEY_EXPIRY_NOTICE_MS) } },
    select: { id: true, customerId: true, name: true, prefix: true, expiresAt: true },
    orderBy: { expiresAt: "asc" },
  });
  const sent: Array<{ keyId: string; outcome: SendOutcome["status"] }> = [];
  const keysUrl = dashboardUrl(getConfig().auth.appBaseUrl, "/dashboard/api");
  for (const key of keys) {
    const cause = `key_expiring:${key.id}`;
    if (!key.expiresAt || (await db.emailMessage.findUnique({ where: { cause }, select: { cause: true } })))
      continue;
    const recipients = await teamRecipients(db, key.customerId, KEY_ROLES);
    if (!recipients) continue;
    const content = apiKeyExpiringEmail({
      teamName: recipients.teamName,
      keyName: key.name,
      keyPrefix: key.prefix,
      expiresAt: key.expiresAt,
      keysUrl,
    });
    const outcome = await sendEmailOnce(
      db,
      { cause, kind: "key_expiring", customerId: key.customerId, to: recipients.to.join(", "), ...content },
      options.mailer,
    );
    sent.push({ keyId: key.id, outcome: outcome.status });
  }
  return sent;
}
