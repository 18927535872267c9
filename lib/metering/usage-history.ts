import "server-only";
import type { CustomerAccess } from "@/lib/billing/access";
import type { Database } from "@/lib/db";
import { parseCredential, type CredentialKind } from "./usage-credentials";
import { calendarMonth } from "./usage-window";

const DAY_MS = 86_400_000;

/** A range of whole UTC days, both ends included, as `YYYY-MM-DD`. */
export interface DayRange {
  from: string;
  to: string;
}

/** Units of one meter on one UTC day. */
export interface DayUsage {
  date: string;
  meter: string;
  units: number;
}

/** What is known of the credential usage is attributed to; names of deleted ones are null. */
export interface CredentialInfo {
  credential: string;
  kind: CredentialKind;
  id: string;
  /** The key's or client's name, or the person's name (else email). */
  name: string | null;
  /** The API key's visible start (`tg_live_4f9Qx2Lm`); null for clients and people. */
  prefix: string | null;
  /** A revoked key or client; people are never revoked. */
  revoked: boolean;
}

/** Units of one meter attributed to one credential. */
export type CredentialUsageRow = CredentialInfo & { meter: string; units: number };

/** Units of one meter attributed to one credential on one UTC day. */
export type DailyCredentialUsageRow = CredentialUsageRow & { date: string };

/** The UTC day of an instant, `YYYY-MM-DD`. */
export const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

/** Days from `from` to `to`, both included (1 for a single day). */
export function daysIn(range: DayRange): number {
  return (Date.parse(range.to) - Date.parse(range.from)) / DAY_MS + 1;
}

/**
 * The days of the customer's current billing period up to today: the usage API's default. Of a period
 * longer than `maxDays` (a yearly plan), its last `maxDays` days up to today.
 */
export function currentPeriodDays(
  access: Pick<CustomerAccess, "period">,
  now: Date,
  maxDays: number,
): DayRange {
  const period = access.period ?? calendarMonth(now);
  const to = dayOf(now);
  const earliest = dayOf(new Date(Date.parse(to) - (maxDays - 1) * DAY_MS));
  const start = dayOf(period.start);
  return { from: start > earliest ? start : earliest, to };
}

/**
 * The billing period before `current`: a month before it (a year for a period longer than two
 * months), on the same day and time as Stripe renews, clamped to the month's last day.
 */
export function previousPeriod(current: { start: Date; end: Date }): { start: Date; end: Date } {
  const months = current.end.getTime() - current.start.getTime() > 62 * DAY_MS ? 12 : 1;
  const start = current.start;
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return {
    start: new Date(
      Date.UTC(
        year,
        month,
        Math.min(start.getUTCDate(), lastDay),
        start.getUTCHours(),
        start.getUTCMinutes(),
        start.getUTCSeconds(),
        start.getUTCMilliseconds(),
      ),
    ),
    end: start,
  };
}

/** The days a billing period touches, as a `DayRange` (its end is exclusive). */
export function periodDays(period: { start: Date; end: Date }): DayRange {
  return { from: dayOf(period.start), to: dayOf(new Date(period.end.getTime() - 1)) };
}

const afterLastDay = (range: DayRange) => new Date(Date.parse(range.to) + DAY_MS);

/**
 * Units per meter per UTC day, from the billed counters (`usage_counters`), so the figures are the
 * ones invoices and the dashboard use, including usage from before calls were attributed to
 * credentials. A counter's hourly window never crosses midnight UTC (windows are hours, or start
 * at a period's start within its hour), so its start says its day. Days without usage are left out.
 */
export async function getUsageByDay(db: Database, customerId: string, range: DayRange): Promise<DayUsage[]> {
  const rows = await db.$queryRaw<{ day: string; meter: string; units: bigint }[]>`
    SELECT to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, meter, sum(units)::bigint AS units
    FROM usage_counters
    WHERE customer_id = ${customerId}::uuid
      AND window_start >= ${new Date(Date.parse(range.from))} AND window_start < ${afterLastDay(range)}
    GROUP BY 1, 2
    HAVING sum(units) > 0
    ORDER BY 1, 2`;
  return rows.map((row) => ({ date: row.day, meter: row.meter, units: Number(row.units) }));
}

/**
 * Units per credential (API key, machine client, person) and meter over the days, most units first,
 * with each credential's name, revoked ones included. From `credential_usage`, written with the billed
 * units by `recordUsage`: usage from before attribution was recorded is in `getUsageByDay` only.
 */
export async function getUsageByCredential(
  db: Database,
  customerId: string,
  range: DayRange,
): Promise<CredentialUsageRow[]> {
  const rows = await db.credentialUsage.groupBy({
    by: ["credential", "meter"],
    where: {
      customerId,
      day: { gte: new Date(Date.parse(range.from)), lte: new Date(Date.parse(range.to)) },
    },
    _sum: { units: true },
  });
  const infos = await describeCredentials(
    db,
    customerId,
    rows.map((row) => row.credential),
  );
  return rows
    .map((row) => ({
      ...(infos.get(row.credential) ?? unknownCredential(row.credential)),
      meter: row.meter,
      units: Number(row._sum.units ?? 0),
    }))
    .filter((row) => row.units > 0)
    .sort((a, b) => b.units - a.units || compare(a.credential, b.credential) || compare(a.meter, b.meter));
}

/** Units per UTC day, credential and meter, by day then credential: the dashboard's CSV export. */
export async function getUsageByDayAndCredential(
  db: Database,
  customerId: string,
  range: DayRange,
): Promise<DailyCredentialUsageRow[]> {
  const rows = await db.credentialUsage.findMany({
    where: {
      customerId,
      day: { gte: new Date(Date.parse(range.from)), lte: new Date(Date.parse(range.to)) },
      units: { gt: 0 },
    },
    select: { day: true, credential: true, meter: true, units: true },
    orderBy: [{ day: "asc" }, { credential: "asc" }, { meter: "asc" }],
  });
  const infos = await describeCredentials(
    db,
    customerId,
    rows.map((row) => row.credential),
  );
  return rows.map((row) => ({
    date: dayOf(row.day),
    ...(infos.get(row.credential) ?? unknownCredential(row.credential)),
    meter: row.meter,
    units: Number(row.units),
  }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Names, visible starts and revocation of the customer's credentials, in three reads at most. */
async function describeCredentials(
  db: Database,
  customerId: string,
  credentials: readonly string[],
): Promise<Map<string, CredentialInfo>> {
  const ids: Record<CredentialKind, Set<string>> = { key: new Set(), client: new Set(), user: new Set() };
  for (const credential of credentials) {
    const parsed = parseCredential(credential);
    if (parsed) ids[parsed.kind].add(parsed.id);
  }
  const keyIds = [...ids.key].filter((id) => UUID.test(id));
  const [keys, clients, users] = await Promise.all([
    keyIds.length === 0
      ? []
      : db.apiKey.findMany({
          where: { customerId, id: { in: keyIds } },
          select: { id: true, name: true, prefix: true, revokedAt: true },
        }),
    ids.client.size === 0
      ? []
      : db.apiClient.findMany({
          where: { customerId, clientId: { in: [...ids.client] } },
          select: { clientId: true, name: true, revokedAt: true },
        }),
    ids.user.size === 0
      ? []
      : db.user.findMany({
          where: { auth0UserId: { in: [...ids.user] } },
          select: { auth0UserId: true, name: true, email: true },
        }),
  ]);
  const infos = new Map<string, CredentialInfo>();
  for (const key of keys) {
    infos.set(`key:${key.id}`, {
      credential: `key:${key.id}`,
      kind: "key",
      id: key.id,
      name: key.name,
      prefix: key.prefix,
      revoked: key.revokedAt !== null,
    });
  }
  for (const client of clients) {
    infos.set(`client:${client.clientId}`, {
      credential: `client:${client.clientId}`,
      kind: "client",
      id: client.clientId,
      name: client.name,
      prefix: null,
      revoked: client.revokedAt !== null,
    });
  }
  for (const user of users) {
    infos.set(`user:${user.auth0UserId}`, {
      credential: `user:${user.auth0UserId}`,
      kind: "user",
      id: user.auth0UserId,
      name: user.name ?? user.email,
      prefix: null,
      revoked: false,
    });
  }
  return infos;
}

/** A credential whose row is gone (a deleted key, a person who left): its id, no name. */
function unknownCredential(credential: string): CredentialInfo {
  const parsed = parseCredential(credential) ?? { kind: "key" as const, id: credential };
  return { credential, ...parsed, name: null, prefix: null, revoked: false };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
