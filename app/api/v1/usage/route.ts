import { withOperation } from "@/lib/api/with-operation";
import { getCustomerAccess } from "@/lib/billing/access-cache";
import {
  currentPeriodDays,
  getUsageByCredential,
  getUsageByDay,
  type DayRange,
} from "@/lib/metering/usage-history";
import { getUsage, MAX_USAGE_DAYS } from "@/product/operations";

// GET /api/v1/usage – the caller's customer's usage by day or by credential
export const GET = withOperation(getUsage, async ({ input, customerId, db }) => {
  const { from, to, group_by } = input.query;
  const range: DayRange =
    from !== undefined && to !== undefined
      ? { from, to }
      : currentPeriodDays(await getCustomerAccess(db, customerId), new Date(), MAX_USAGE_DAYS);
  if (group_by === "key") {
    const data = await getUsageByCredential(db, customerId, range);
    return { group_by, ...range, total_units: sum(data), data };
  }
  const data = await getUsageByDay(db, customerId, range);
  return { group_by, ...range, total_units: sum(data), data };
});

const sum = (rows: readonly { units: number }[]) => rows.reduce((total, row) => total + row.units, 0);
