import { describe, expect, it } from "vitest";
import { apiKeyExpiringEmail, invitationEmail, paymentFailedEmail, usageThresholdEmail } from "./templates";

const expiresAt = new Date("2026-12-13T10:30:00Z");

describe("email templates", () => {
  it("escapes names customers choose, in the HTML, and keeps them readable in the text", () => {
    const email = invitationEmail({
      teamName: `<img src=x onerror="alert(1)">`,
      inviterName: "Bob & Co",
      role: "developer",
      acceptUrl: "https://app.example.com/invitations/accept?token=abc&x=1",
      expiresAt,
    });
    expect(email.html).not.toContain("<img");
    expect(email.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(email.html).toContain("Bob &amp; Co");
    expect(email.html).toContain('href="https://app.example.com/invitations/accept?token=abc&amp;x=1"');
    expect(email.text).toContain(`<img src=x onerror="alert(1)">`);
    expect(email.text).toContain(
      "Accept the invitation: https://app.example.com/invitations/accept?token=abc&x=1",
    );
    expect(email.text).toContain("2026-12-13 10:30 UTC");
    expect(email.subject).toBe(`Bob & Co invited you to <img src=x onerror="alert(1)"> on Tollgate`);
  });

  it("never links anything but http(s)", () => {
    const email = invitationEmail({
      teamName: "Acme",
      inviterName: "Bob",
      role: "owner",
      acceptUrl: "javascript:alert(1)",
      expiresAt,
    });
    expect(email.html).not.toContain("javascript:");
    expect(email.html).toContain('href="#"');
  });

  it.each([
    [80, "cap", "Acme has used 80% of its requests cap", "At the cap, further calls are refused"],
    [100, "cap", "Acme has reached its requests cap", "Further calls are refused"],
    [80, "included", "Acme has used 80% of its included requests", "billed at the plan's metered price"],
    [100, "included", "Acme has used all of its included requests", "billed at the plan's metered price"],
  ] as const)("says what %i%% of %s units means", (percent, limitKind, subject, consequence) => {
    const email = usageThresholdEmail({
      teamName: "Acme",
      meter: "requests",
      percent,
      used: percent * 10,
      limit: 1_000,
      limitKind,
      periodEnd: expiresAt,
      usageUrl: "https://app.example.com/dashboard",
    });
    expect(email.subject).toBe(subject);
    expect(email.text).toContain(consequence);
    expect(email.text).toContain(`${percent === 100 ? "1,000" : "800"} units of 1,000 units`);
  });

  it("names the key by its visible start, never more, and the day it expires", () => {
    const email = apiKeyExpiringEmail({
      teamName: "Acme",
      keyName: "ci",
      keyPrefix: "tg_test_4f9Qx2Lm",
      expiresAt,
      keysUrl: "https://app.example.com/dashboard/api-access",
    });
    expect(email.subject).toBe('API key "ci" of Acme expires on 2026-12-13');
    expect(email.text).toContain("(tg_test_4f9Qx2Lm...)");
  });

  it("tells when a failed payment is retried, when Stripe says", () => {
    const base = {
      teamName: "Acme",
      amountDue: "$29.00",
      billingUrl: "https://app.example.com/dashboard/billing",
    };
    expect(paymentFailedEmail({ ...base, nextAttemptAt: expiresAt }).text).toContain(
      "try again on 2026-12-13",
    );
    expect(paymentFailedEmail({ ...base, nextAttemptAt: null }).text).not.toContain("try again");
  });
});
