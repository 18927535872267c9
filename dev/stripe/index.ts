/** The local Stripe-compatible sandbox: used by `npm run dev` and tests, never by app/ or lib/. */
export {
  createStripeSandbox,
  type FaultOptions,
  type StripeSandbox,
  type StripeSandboxOptions,
} from "./create-stripe-sandbox";
export { LOCAL_STRIPE } from "./constants";
export { SANDBOX_API_VERSION } from "./sandbox-engine";
export type { MeterEventErrorCode, MeterEventErrorRecord } from "./sandbox-state";
export { signPayload, type DeliveryAttempt, type DeliveryStats } from "./webhooks";
