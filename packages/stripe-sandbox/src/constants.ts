/** Defaults of the local Stripe sandbox. None are secrets: they protect a server bound to 127.0.0.1. */
export const LOCAL_STRIPE = {
  /** Where `npm run dev` keeps the sandbox's objects across restarts. */
  stateFile: ".data/stripe/state.json",
  /** The key the tests' SDK clients use; the sandbox accepts any `sk_test_`/`rk_test_` key unless told one. */
  testSecretKey: "sk_test_tollgate_local",
  /** The signing secret of the tests' webhook receivers. */
  testWebhookSecret: "whsec_tollgate_local",
} as const;
