/**
 * Settings of local mode: the embedded database and the local Auth0-compatible issuer and Stripe
 * sandbox that `npm run dev` and the tests start. `dev/` reads the same values, so the app and the
 * local services agree without any configuration. None of these are secrets: they only ever protect
 * services bound to loopback on a developer's machine.
 *
 * The three addresses are defaults: `npm run dev` on another port (PORT or `-p`) gives the issuer and
 * the sandbox free ports and tells the app through PORT, TOLLGATE_LOCAL_ISSUER_URL and
 * TOLLGATE_LOCAL_STRIPE_URL (lib/config/schema.ts).
 */
export const LOCAL = {
  pgliteDataDir: ".data/pglite",
  appBaseUrl: "http://localhost:3000",
  issuerUrl: "http://localhost:4010/",
  audience: "https://api.tollgate.local/",
  /** The claim the local issuer puts people's roles in (GATE_ROLES_CLAIM), as an Auth0 Action would. */
  rolesClaim: "https://tollgate.local/roles",
  dashboardClientId: "tollgate-dashboard",
  dashboardClientSecret: "local-dashboard-secret-not-for-production",
  sessionSecret: "local-session-secret-0123456789abcdef0123456789abcdef",
  stripeApiUrl: "http://localhost:4020",
  stripeSecretKey: "sk_test_tollgate_local",
  stripeWebhookSecret: "whsec_tollgate_local",
  stripeEventDestinationSecret: "whsec_tollgate_local_events",
  cronSecret: "local-cron-secret",
  /** The local mail catcher's SMTP server; its page listing received mail is at the next port. */
  smtpUrl: "smtp://localhost:4025",
  mailCatcherUrl: "http://localhost:4026",
  emailFrom: "Tollgate <no-reply@tollgate.local>",
} as const;
