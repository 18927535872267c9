/** `setFaults`: API requests that fail at random, before or after they take effect. */
import { StripeApiError } from "../errors";

/** Injected failures for testing clients' retries (500s and 429s, as Stripe answers under trouble). */
export interface FaultOptions {
  /** Probability (0..1) that an API request fails. */
  rate: number;
  /** Statuses to pick from; default [500, 429]. */
  statuses?: number[];
  /** Only requests whose path starts with this (e.g. `/v1/billing/meter_events`). */
  pathPrefix?: string;
  /**
   * "before" fails without effect; "after" applies the request, then answers 500 (a lost
   * response); "random" mixes both. Default "before".
   */
  when?: "before" | "after" | "random";
}

/** An injected failure: its status, and whether the request runs first (a lost response). */
export interface Fault {
  status: number;
  after: boolean;
}

/** The faults in force (`setFaults`), drawn per request. */
export class Faults {
  private options: FaultOptions | null = null;

  set(options: FaultOptions | null): void {
    this.options = options;
  }

  /** Whether this request fails, and how. */
  pick(pathname: string): Fault | undefined {
    const faults = this.options;
    if (!faults || Math.random() >= faults.rate) return undefined;
    if (faults.pathPrefix && !pathname.startsWith(faults.pathPrefix)) return undefined;
    const statuses = faults.statuses ?? [500, 429];
    const status = statuses[Math.floor(Math.random() * statuses.length)] ?? 500;
    const when = faults.when ?? "before";
    const after = status >= 500 && (when === "after" || (when === "random" && Math.random() < 0.5));
    return { status, after };
  }
}

/** The error an injected fault answers with. */
export function faultError(status: number): StripeApiError {
  return status === 429
    ? new StripeApiError(
        429,
        "invalid_request_error",
        "Request rate limit exceeded. (injected by the sandbox)",
        "rate_limit",
      )
    : new StripeApiError(status, "api_error", "An unknown error occurred. (injected by the sandbox)");
}
