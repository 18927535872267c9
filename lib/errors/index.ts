/**
 * The one error model of the app: every refusal is a {@link TollgateError} with a code of
 * {@link ErrorCode}, answered once by {@link problemResponse} from the one {@link ERROR_TABLE}.
 */
export {
  ERROR_TABLE,
  PROBLEM_TYPES,
  problemType,
  type ApiErrorCode,
  type BearerErrorCode,
  type Challenge,
  type DeliveryErrorCode,
  type ErrorCode,
  type ErrorEntry,
  type GateErrorCode,
  type ProblemName,
} from "./error-table";
export { TollgateError, type TollgateErrorOptions } from "./tollgate-error";
export {
  bearerChallenge,
  problemResponse,
  type BearerChallenge,
  type ProblemContext,
} from "./problem-response";
