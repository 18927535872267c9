/**
 * A string safe inside HTML text and double-quoted attributes. packages/local-http has the same five
 * replacements; lib/ does not import the local stand-ins (a lint rule), and five lines are not worth a
 * dependency (React's renderer would do it, but these emails are plain strings, not components).
 */
export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** One part of an email's body: a paragraph of text, or a link shown as a button. */
export type EmailBlock = string | { href: string; label: string };

/**
 * The HTML of a simple message: every string is escaped here, so a team's or a key's name (chosen by
 * customers) can never inject markup into a mail that others receive. Only http(s) links are kept.
 */
export function renderEmailHtml(title: string, blocks: EmailBlock[]): string {
  const body = blocks
    .map((block) => {
      if (typeof block === "string") return `<p style="margin:0 0 16px">${escapeHtml(block)}</p>`;
      const href = /^https?:\/\//i.test(block.href) ? block.href : "#";
      return (
        `<p style="margin:0 0 16px"><a href="${escapeHtml(href)}" style="display:inline-block;` +
        `padding:10px 16px;background:#111827;color:#ffffff;border-radius:6px;text-decoration:none">` +
        `${escapeHtml(block.label)}</a></p>`
      );
    })
    .join("\n");
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n` +
    `<body style="font-family:system-ui,sans-serif;color:#111827;line-height:1.5;max-width:560px;margin:0 auto;padding:24px">\n` +
    `${body}\n</body></html>\n`
  );
}

/** The plain-text twin of `renderEmailHtml`: links written out after their label. */
export function renderEmailText(blocks: EmailBlock[]): string {
  return blocks
    .map((block) => (typeof block === "string" ? block : `${block.label}: ${block.href}`))
    .join("\n\n")
    .concat("\n");
}
