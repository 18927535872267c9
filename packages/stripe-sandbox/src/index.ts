/** The local Stripe-compatible sandbox: for development and tests, never imported by the app itself. */
export {
  createStripeSandbox,
  type FaultOptions,
  type StripeSandbox,
  type StripeSandboxOptions,
} from "./create-stripe-sandbox";
export { LOCAL_STRIPE } from "./constants";
export { SANDBOX_API_VERSION } from "./engine/sandbox-engine";
export type { MeterEventErrorCode, MeterEventErrorRecord } from "./sandbox-state";
export { signPayload, type DeliveryAttempt, type DeliveryStats } from "./webhooks";
