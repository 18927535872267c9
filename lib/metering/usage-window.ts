const HOUR_MS = 3_600_000;

/**
 * The counter window a unit of usage at `at` belongs to: its UTC hour, but never earlier than the start
 * of the customer's billing period. Windows therefore never straddle a period boundary, and a window's
 * start (the timestamp its meter event is reported with) always lies in the period the usage belongs to.
 */
export function usageWindowStart(at: Date, periodStart: Date): Date {
  const hour = Math.floor(at.getTime() / HOUR_MS) * HOUR_MS;
  return new Date(Math.max(hour, periodStart.getTime()));
}

/** The calendar month (UTC) containing `at`: the quota period of plans without a subscription. */
export function calendarMonth(at: Date): { start: Date; end: Date } {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return { start, end };
}
