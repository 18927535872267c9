/**
 * The meters of the API: what a call's units are counted as, each a Stripe Billing Meter (its
 * `event_name`). Operations name one in their `cost`; `npm run setup:stripe` creates it.
 */
export const API_UNITS = {
  eventName: "api_units",
  displayName: "API units",
} as const;
