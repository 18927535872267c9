import { describe, expect, it } from "vitest";
import { calendarMonth, usageWindowStart } from "./usage-window";

const d = (iso: string) => new Date(iso);

describe("usageWindowStart", () => {
  it.each([
    ["2026-11-23T10:37:12.345Z", "2026-11-01T00:00:00Z", "2026-11-23T10:00:00.000Z"],
    ["2026-11-23T10:00:00.000Z", "2026-11-01T00:00:00Z", "2026-11-23T10:00:00.000Z"],
    // A period that starts mid-hour: usage after its start never lands in the previous period.
    ["2026-11-23T10:37:12.000Z", "2026-11-23T10:30:05Z", "2026-11-23T10:30:05.000Z"],
    ["2026-11-23T11:00:00.000Z", "2026-11-23T10:30:05Z", "2026-11-23T11:00:00.000Z"],
  ])("usage at %s in a period from %s counts in the window %s", (at, periodStart, expected) => {
    expect(usageWindowStart(d(at), d(periodStart)).toISOString()).toBe(expected);
  });
});

describe("calendarMonth", () => {
  it.each([
    ["2026-11-23T10:37:12Z", "2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"],
    ["2026-12-31T23:59:59Z", "2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"],
  ])("%s is in [%s, %s)", (at, start, end) => {
    const month = calendarMonth(d(at));
    expect([month.start.toISOString(), month.end.toISOString()]).toEqual([start, end]);
  });
});
