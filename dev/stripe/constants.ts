/** Defaults of the local Stripe sandbox; the shared values live in lib/config/local-defaults.ts. */
export const LOCAL_STRIPE = {
  /** Where `npm run dev` keeps the sandbox's objects across restarts. */
  stateFile: ".data/stripe/state.json",
} as const;
