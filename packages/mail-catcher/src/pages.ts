import { escapeHtml } from "@tollgate/local-http";
import type { CaughtMessage } from "./create-mail-catcher";

const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem;color:#111827}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
pre{white-space:pre-wrap;background:#f9fafb;padding:1rem;border:1px solid #e5e7eb}dt{font-weight:600}dd{margin:0 0 .5rem}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** The list of received mail, newest first: time, recipients, subject linking to the message. */
export function renderMessagesPage(messages: CaughtMessage[]): string {
  const rows = messages
    .map(
      (message) =>
        `<tr><td>${escapeHtml(message.receivedAt.replace("T", " ").slice(0, 19))}</td>` +
        `<td>${escapeHtml(message.to.join(", "))}</td>` +
        `<td><a href="/messages/${message.id}">${escapeHtml(message.subject || "(no subject)")}</a></td></tr>`,
    )
    .join("");
  return page(
    "Mail catcher",
    `<h1>Mail catcher</h1><p>${messages.length} message${messages.length === 1 ? "" : "s"} received, newest first. ` +
      `Also as JSON at <a href="/messages">/messages</a>.</p>` +
      (messages.length === 0
        ? "<p>No mail yet.</p>"
        : `<table><thead><tr><th>Received (UTC)</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows}</tbody></table>`),
  );
}

/** One message: its envelope, subject, text body and a link to its HTML part. */
export function renderMessagePage(message: CaughtMessage): string {
  const cause = message.headers["x-tollgate-cause"];
  return page(
    message.subject,
    `<p><a href="/">All mail</a></p><h1>${escapeHtml(message.subject || "(no subject)")}</h1><dl>` +
      `<dt>From</dt><dd>${escapeHtml(message.from)}</dd>` +
      `<dt>To</dt><dd>${escapeHtml(message.to.join(", "))}</dd>` +
      `<dt>Received</dt><dd>${escapeHtml(message.receivedAt)}</dd>` +
      (cause ? `<dt>Cause</dt><dd>${escapeHtml(cause)}</dd>` : "") +
      `</dl>` +
      (message.html ? `<p><a href="/messages/${message.id}/html">View the HTML part</a></p>` : "") +
      `<pre>${escapeHtml(message.text)}</pre>`,
  );
}
