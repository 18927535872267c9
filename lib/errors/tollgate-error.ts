import { ERROR_TABLE, PROBLEM_TYPES, type ErrorCode } from "./error-table";

/** What an occurrence adds to its code's row of {@link ERROR_TABLE}. */
export interface TollgateErrorOptions {
  /**
   * The public `detail` of this occurrence, where the table has none or a more precise one is known.
   * It reaches the client: never a secret, a token or an internal reason (put those in `reason`).
   */
  detail?: string;
  /** The precise cause, for the server log only (`toLogFields`). */
  reason?: string;
  /** When a retry may succeed: answered as `Retry-After` (whole seconds, at least 1). */
  retryAfterSeconds?: number;
  /** More headers of the answer, e.g. `Allow` or the RateLimit headers. */
  headers?: Readonly<Record<string, string>>;
  /** Extension members of the problem (RFC 9457 §3.2); they cannot override the standard members. */
  extensions?: Readonly<Record<string, unknown>>;
  /** ERR_INSUFFICIENT_SCOPE: every scope the operation requires, for the challenge and `required_scopes`. */
  requiredScopes?: readonly string[];
}

/** Marks every TollgateError, whichever copy of this module made it. */
const BRAND = Symbol.for("tollgate.error");

/**
 * The one error class of every refusal the app answers over HTTP: a stable `code` from
 * {@link ErrorCode}, answered once, by `problemResponse`, with its row of {@link ERROR_TABLE}.
 * `message` is the code alone, so printing an error reveals nothing.
 *
 * @example
 *   if (!widget) throw new TollgateError("ERR_NOT_FOUND", { detail: "No widget with this id." });
 */
export class TollgateError extends Error {
  /**
   * Next bundles the proxy, route handlers and server actions apart, each with its own copy of this
   * module, while process singletons (lib/process-state.ts: the gate and its caches) are shared between
   * them: an error that one copy's gate throws reaches another copy's `instanceof`. So an error of any
   * copy counts, by a brand every TollgateError carries and its `name`; a subclass that declares its
   * own `errorName` is recognised across copies too, one that does not only by its prototype.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== "object" || value === null || !(BRAND in value)) return false;
    if (!Object.hasOwn(this, "errorName")) return false;
    return this.errorName === "TollgateError" || (value as { name?: unknown }).name === this.errorName;
  }
  /** The `name` of this class's errors, by which other bundles' copies recognise them. */
  static readonly errorName: string = "TollgateError";

  override name = "TollgateError";
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  readonly reason: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly requiredScopes: readonly string[];

  constructor(code: ErrorCode, options: TollgateErrorOptions = {}) {
    super(code);
    Object.defineProperty(this, BRAND, { value: true });
    this.code = code;
    this.detail = options.detail;
    this.reason = options.reason;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
    this.requiredScopes = options.requiredScopes ?? [];
  }

  /** The HTTP status this error is answered with. */
  get status(): number {
    return PROBLEM_TYPES[ERROR_TABLE[this.code].problem].status;
  }

  /** Fields for a structured log line: the code and the precise reason, never a token. */
  toLogFields(): { code: ErrorCode; reason?: string } {
    return this.reason === undefined ? { code: this.code } : { code: this.code, reason: this.reason };
  }
}
