/** What the Content-Security-Policy of a page depends on. */
export interface CspOptions {
  /** A fresh random value per response; Next puts it on its own scripts. */
  nonce: string;
  /** `next dev` evaluates code (React's call stacks); production never needs `'unsafe-eval'`. */
  development: boolean;
  /** Origins forms may post or redirect to besides this one (Stripe's hosted pages). */
  formTargets: readonly string[];
}

/**
 * A strict CSP for the app's pages: scripts only with this response's nonce (and what they load,
 * `'strict-dynamic'`), nothing framed or framing us, no plugins, no `<base>` tricks. Styles allow
 * inline attributes, which charts and Next's own style tags use; they cannot run code.
 */
export function contentSecurityPolicy({ nonce, development, formTargets }: CspOptions): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    `form-action 'self'${formTargets.map((origin) => ` ${origin}`).join("")}`,
    "frame-ancestors 'none'",
  ].join("; ");
}

/** HSTS for two years; only sent by production servers on https (config decides). */
export const STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains";
