import type { IncomingMessage, ServerResponse } from "node:http";
import { escapeHtml, sendHtml } from "@tollgate/local-http";
import type { IssuerState } from "./issuer-state";

/** The local mailbox's page, where the emails Auth0 would have sent wait with their links. */
export const MAILBOX_PATH = "/_local/mailbox";
/** The path of Auth0's email verification link (`https://{tenant}/u/email-verification?ticket=...`). */
export const EMAIL_VERIFICATION_PATH = "/u/email-verification";

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#111}
h1{font-size:1.5rem}ul{list-style:none;padding:0}li{border:1px solid #ccc;border-radius:6px;padding:.75rem;margin:.5rem 0}
.muted{color:#444;font-size:.9rem}a:focus-visible{outline:3px solid #1a56db;outline-offset:2px}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} | Tollgate local issuer</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

/**
 * The issuer's stand-in for an inbox: `GET /_local/mailbox` lists the verification emails it "sent"
 * (newest first), and `GET /u/email-verification?ticket=...` is their link, which marks the user's
 * email verified as Auth0's does. The person must still sign in again (or refresh their session) for
 * the application to see `email_verified: true` in a new ID token.
 */
export function createMailboxHandler(state: IssuerState, appBaseUrl: string) {
  return function handleMailbox(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== "GET") {
      sendHtml(res, 405, page("Not allowed", "<h1>Method not allowed</h1>"));
      return;
    }
    if (url.pathname === MAILBOX_PATH) {
      const items = [...state.mailbox]
        .reverse()
        .map(
          (email) => `<li><p><strong>To:</strong> ${escapeHtml(email.to)}<br>
<strong>Subject:</strong> Verify your email<br><span class="muted">Sent ${escapeHtml(email.sent_at)}${email.opened_at ? `, opened ${escapeHtml(email.opened_at)}` : ""}</span></p>
<p><a href="${EMAIL_VERIFICATION_PATH}?ticket=${encodeURIComponent(email.ticket)}">Verify ${escapeHtml(email.to)}</a></p></li>`,
        )
        .join("\n");
      sendHtml(
        res,
        200,
        page(
          "Mailbox",
          `<h1>Local mailbox</h1>
<p class="muted">The emails this local issuer would have sent. Nothing leaves this machine.</p>
${items ? `<ul>${items}</ul>` : "<p>No emails yet.</p>"}`,
        ),
      );
      return;
    }
    const user = state.openVerificationLink(url.searchParams.get("ticket") ?? "");
    if (!user) {
      sendHtml(
        res,
        404,
        page("Link not valid", `<h1>This link is not valid</h1><p>Ask the application to send another.</p>`),
      );
      return;
    }
    sendHtml(
      res,
      200,
      page(
        "Email verified",
        `<h1>Email verified</h1>
<p role="status">Your email address ${escapeHtml(user.email)} was verified. You can continue using the application.</p>
<p><a href="${escapeHtml(`${appBaseUrl}/verify-email`)}">Back to the application</a></p>`,
      ),
    );
  };
}
