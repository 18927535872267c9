import { createMailCatcher, type MailCatcher } from "@tollgate/mail-catcher";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/lib/db";
import { createMigratedDatabase, type TestDatabase } from "@/test/database";
import { createMailer, type Mailer } from "./mailer";
import { MAX_EMAIL_ATTEMPTS, sendEmailOnce, sendPendingEmails } from "./send-email-once";

const FROM = "Tollgate <no-reply@tollgate.local>";
let database: TestDatabase;
let db: Database;
let catcher: MailCatcher;
let mailer: Mailer;

beforeAll(async () => {
  [database, catcher] = await Promise.all([createMigratedDatabase(), createMailCatcher()]);
  db = database.client();
  mailer = mailerFor(catcher.smtpUrl);
});
afterAll(async () => {
  await catcher.close();
  await database.destroy();
});
beforeEach(async () => {
  catcher.clear();
  await db.emailMessage.deleteMany();
});

function mailerFor(smtpUrl: string): Mailer {
  const created = createMailer({ smtpUrl, from: FROM, requireTls: false });
  if (!created) throw new Error("a mailer needs an SMTP URL");
  return created;
}

const email = (cause: string) => ({
  cause,
  kind: "test",
  to: "alice@example.com",
  subject: `About ${cause}`,
  text: `Text of ${cause}`,
  html: `<p>HTML of ${cause}</p>`,
});

describe("sendEmailOnce", () => {
  it("sends one email per cause over SMTP, even when called concurrently", async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => sendEmailOnce(db, email("invitation:1"), mailer)),
    );
    expect(outcomes.filter((outcome) => outcome.status === "sent")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.status === "duplicate")).toHaveLength(7);
    expect(await sendEmailOnce(db, email("invitation:1"), mailer)).toEqual({ status: "duplicate" });

    const received = catcher.messages();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      from: "no-reply@tollgate.local",
      to: ["alice@example.com"],
      subject: "About invitation:1",
      text: "Text of invitation:1",
      html: "<p>HTML of invitation:1</p>",
      headers: expect.objectContaining({ "x-tollgate-cause": "invitation:1" }),
    });
    const row = await db.emailMessage.findUniqueOrThrow({ where: { cause: "invitation:1" } });
    expect(row).toMatchObject({ attempts: 1, lastError: null, kind: "test" });
    expect(row.sentAt).toBeInstanceOf(Date);
  });

  it("keeps a send the relay refused and delivers it on a later run, exactly once", async () => {
    const down = await createMailCatcher();
    const downUrl = down.smtpUrl;
    const port = Number(new URL(downUrl).port);
    await down.close();

    const outcome = await sendEmailOnce(db, email("payment_failed:in_1"), mailerFor(downUrl));
    expect(outcome).toMatchObject({ status: "failed", error: expect.stringContaining("ECONNREFUSED") });
    expect(
      await db.emailMessage.findUniqueOrThrow({ where: { cause: "payment_failed:in_1" } }),
    ).toMatchObject({ attempts: 1, sentAt: null, lastError: expect.stringContaining("ECONNREFUSED") });
    // A second cause of the same event does not send it again either while it waits.
    expect(await sendEmailOnce(db, email("payment_failed:in_1"), mailerFor(downUrl))).toEqual({
      status: "duplicate",
    });

    // Retries wait RETRY_AFTER_MINUTES from the first record: 1 minute, then 5.
    const { createdAt } = await db.emailMessage.findUniqueOrThrow({
      where: { cause: "payment_failed:in_1" },
    });
    const at = (minutes: number) => ({ now: new Date(createdAt.getTime() + minutes * 60_000) });
    expect(await sendPendingEmails(db, mailerFor(downUrl), at(0.5))).toEqual({ sent: 0, failed: 0 });
    expect(await sendPendingEmails(db, mailerFor(downUrl), at(2))).toEqual({ sent: 0, failed: 1 });
    expect(await sendPendingEmails(db, mailerFor(downUrl), at(4))).toEqual({ sent: 0, failed: 0 });

    const up = await createMailCatcher({ smtpPort: port });
    try {
      expect(await sendPendingEmails(db, mailerFor(up.smtpUrl), at(4))).toEqual({ sent: 0, failed: 0 });
      expect(await sendPendingEmails(db, mailerFor(up.smtpUrl), at(6))).toEqual({ sent: 1, failed: 0 });
      expect(await sendPendingEmails(db, mailerFor(up.smtpUrl), at(800))).toEqual({ sent: 0, failed: 0 });
      expect(up.messages().map((message) => message.subject)).toEqual(["About payment_failed:in_1"]);
      const row = await db.emailMessage.findUniqueOrThrow({ where: { cause: "payment_failed:in_1" } });
      expect(row).toMatchObject({ attempts: 3, lastError: null });
      expect(row.sentAt).toBeInstanceOf(Date);
    } finally {
      await up.close();
    }
  });

  it("keeps a relay's refusal without the recipient's address, for the logs and the row", async () => {
    const strict = await createMailCatcher({ refuseRecipient: (address) => address === "gone@example.com" });
    try {
      const outcome = await sendEmailOnce(
        db,
        { ...email("invitation:gone"), to: "gone@example.com" },
        mailerFor(strict.smtpUrl),
      );
      expect(outcome).toMatchObject({ status: "failed", error: expect.stringContaining("550") });
      const row = await db.emailMessage.findUniqueOrThrow({ where: { cause: "invitation:gone" } });
      expect(row.lastError).toContain("[address]");
      expect(row.lastError).not.toContain("gone@example.com");
      expect(strict.messages()).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it("keeps an invitation's link in the row until the email is sent, then cuts it", async () => {
    const link = "https://app.example.com/invitations/k9Z_-abcDEFghi0123456789xyzXYZ";
    const invitation = {
      ...email("invitation:3"),
      text: `Accept the invitation: ${link}`,
      html: `<p><a href="${link}">Accept the invitation</a></p>`,
    };
    const down = await createMailCatcher();
    const port = Number(new URL(down.smtpUrl).port);
    await down.close();
    await sendEmailOnce(db, invitation, mailerFor(`smtp://127.0.0.1:${port}`));
    // Not sent yet: a retry needs the link.
    expect(await db.emailMessage.findUniqueOrThrow({ where: { cause: "invitation:3" } })).toMatchObject({
      text: invitation.text,
      html: invitation.html,
    });

    const up = await createMailCatcher({ smtpPort: port });
    try {
      const later = { now: new Date(Date.now() + 2 * 60_000) };
      expect(await sendPendingEmails(db, mailerFor(up.smtpUrl), later)).toEqual({ sent: 1, failed: 0 });
      expect(up.messages()[0]?.text).toContain(link);
    } finally {
      await up.close();
    }
    const row = await db.emailMessage.findUniqueOrThrow({ where: { cause: "invitation:3" } });
    expect(row.text).toBe("Accept the invitation: https://app.example.com/invitations/[removed]");
    expect(row.html).toBe(
      '<p><a href="https://app.example.com/invitations/[removed]">Accept the invitation</a></p>',
    );
  });

  it("gives up after MAX_EMAIL_ATTEMPTS attempts, and then keeps no invitation link", async () => {
    const down = await createMailCatcher();
    const dead = mailerFor(down.smtpUrl);
    await down.close();
    await sendEmailOnce(db, email("key_expiring:k1"), dead);
    const link = "https://app.example.com/invitations/Zm9vYmFyYmF6cXV4cXV1eGNvcmdl";
    await sendEmailOnce(db, { ...email("invitation:4"), text: `Accept: ${link}`, html: null }, dead);
    // Half a day later every retry is due: one attempt a run, then no more.
    const later = { now: new Date(Date.now() + 13 * 3600_000) };
    for (let run = 0; run < MAX_EMAIL_ATTEMPTS + 2; run += 1) await sendPendingEmails(db, dead, later);
    const row = await db.emailMessage.findUniqueOrThrow({ where: { cause: "key_expiring:k1" } });
    expect(row).toMatchObject({ attempts: MAX_EMAIL_ATTEMPTS, sentAt: null });
    expect(await sendPendingEmails(db, mailer, later)).toEqual({ sent: 0, failed: 0 });
    const invitation = await db.emailMessage.findUniqueOrThrow({ where: { cause: "invitation:4" } });
    expect(invitation).toMatchObject({ attempts: MAX_EMAIL_ATTEMPTS, sentAt: null, html: null });
    expect(invitation.text).toBe("Accept: https://app.example.com/invitations/[removed]");
  });

  it("retries a first attempt that died with its process, not one still in flight", async () => {
    const now = new Date();
    await db.emailMessage.create({
      data: { ...email("usage_80:c:m:p"), attempts: 1, createdAt: new Date(now.getTime() - 60_000) },
    });
    expect(await sendPendingEmails(db, mailer, { now })).toEqual({ sent: 0, failed: 0 });
    expect(await sendPendingEmails(db, mailer, { now: new Date(now.getTime() + 11 * 60_000) })).toEqual({
      sent: 1,
      failed: 0,
    });
    expect(catcher.messages()).toHaveLength(1);
  });

  it("sends nothing and records nothing when no SMTP relay is configured", async () => {
    expect(createMailer({ smtpUrl: undefined, from: FROM, requireTls: false })).toBeNull();
    expect(await sendEmailOnce(db, email("invitation:2"), null)).toEqual({ status: "disabled" });
    expect(await db.emailMessage.count()).toBe(0);
  });
});
