import "server-only";
import type { CustomerAccess } from "@/lib/billing/access";
import type { Database } from "@/lib/db";
import {
  getUsageByDayAndCredential,
  periodDays,
  previousPeriod,
  type DailyCredentialUsageRow,
  type DayRange,
} from "./usage-history";
import { calendarMonth } from "./usage-window";

/** The periods the dashboard exports. */
export const CSV_PERIODS = ["current", "previous"] as const;
export type CsvPeriod = (typeof CSV_PERIODS)[number];

/** Whether a query value names an export period. */
export function isCsvPeriod(value: unknown): value is CsvPeriod {
  return typeof value === "string" && (CSV_PERIODS as readonly string[]).includes(value);
}

const COLUMNS = ["date", "credential", "kind", "name", "prefix", "revoked", "meter", "units"] as const;

/** A CSV export: the file's name and its text. */
export interface UsageCsv {
  filename: string;
  range: DayRange;
  body: string;
}

/**
 * A customer's usage of one billing period (the current one, or the one before), per UTC day and
 * credential, as CSV (RFC 4180): one header line, then a line per day, credential and meter with units.
 * Attributed usage only (`credential_usage`), the same rows `GET /api/v1/usage?group_by=key` sums.
 */
export async function getUsageCsv(
  db: Database,
  customerId: string,
  access: Pick<CustomerAccess, "period">,
  which: CsvPeriod,
  now = new Date(),
): Promise<UsageCsv> {
  const current = access.period ?? calendarMonth(now);
  const period =
    which === "current"
      ? current
      : access.period
        ? previousPeriod(current)
        : calendarMonth(new Date(current.start.getTime() - 1));
  const range = periodDays(period);
  const rows = await getUsageByDayAndCredential(db, customerId, range);
  return {
    filename: `usage-${range.from}-to-${range.to}.csv`,
    range,
    body: toCsv(rows),
  };
}

/** The rows as CSV text, lines ended by CRLF as RFC 4180 says. */
export function toCsv(rows: readonly DailyCredentialUsageRow[]): string {
  const lines = [
    COLUMNS.join(","),
    ...rows.map((row) =>
      [
        row.date,
        row.credential,
        row.kind,
        row.name ?? "",
        row.prefix ?? "",
        row.revoked ? "true" : "false",
        row.meter,
        String(row.units),
      ]
        .map(csvField)
        .join(","),
    ),
  ];
  return `${lines.join("\r\n")}\r\n`;
}

/**
 * One CSV field. No CSV library is installed and this is all of RFC 4180's quoting: a field holding
 * a comma, quote, CR or LF goes in quotes, with quotes doubled. A field a spreadsheet would run as a
 * formula (starting `=`, `+`, `-`, `@`, tab or CR; a key's name is anyone's text) gets a leading `'`,
 * as OWASP's "CSV Injection" advises, so opening the export never runs what a teammate typed.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
