/** Auth0 Management API error codes this subset can return. */
export type ManagementErrorCode =
  | "missing_authentication"
  | "invalid_token"
  | "insufficient_scope"
  | "invalid_body"
  | "invalid_query_string"
  | "invalid_uri"
  | "inexistent_client"
  | "inexistent_user"
  | "inexistent_resource_server"
  | "inexistent_client_grant"
  | "inexistent_key"
  | "inexistent_job"
  | "client_grant_conflict"
  | "resource_server_conflict"
  | "operation_not_supported"
  | "too_many_requests";

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  429: "Too Many Requests",
};

/** An error answered in Auth0's Management API shape (see {@link ManagementError.body}). */
export class ManagementError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 403 | 404 | 409 | 413 | 429,
    message: string,
    readonly errorCode: ManagementErrorCode,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ManagementError";
  }

  /** Auth0's error body: `{ statusCode, error, message, errorCode }`. */
  get body() {
    return {
      statusCode: this.statusCode,
      error: STATUS_TEXT[this.statusCode] ?? "Error",
      message: this.message,
      errorCode: this.errorCode,
    };
  }
}
