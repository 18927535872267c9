/**
 * Metering's cost and exactness, in one process on a real database and the Stripe
 * sandbox: the gated, metered GET /api/v1/widgets against the same operation declared free (gated,
 * plan-checked, not metered), through the real proxy logic and route wrapper; then the reporter's
 * Stripe calls per 10,000 requests and the units lost between served and reported (must be 0).
 */
import { NextRequest } from "next/server";
import { compareOps } from "./lib/measure";
import { inProcessApp } from "./lib/in-process";
import type { AreaResult } from "./lib/report";

const CUSTOMERS = 3;

export async function benchMetering(): Promise<AreaResult> {
  const app = await inProcessApp();
  const { admitRequest } = await import("@/lib/api/admit-request");
  const { withOperation } = await import("@/lib/api/with-operation");
  const { listWidgets } = await import("@/product/operations");
  const widgets = await import("@/product/widgets/widgets");
  const { ensureStripeCustomer } = await import("@/lib/billing/ensure-stripe-customer");
  const { givePlan } = await import("@/test/fixtures");
  const { reportUsage } = await import("@/lib/metering/report-usage");

  const handler = async (context: Parameters<Parameters<typeof withOperation<typeof listWidgets>>[1]>[0]) => {
    const page = await widgets.listWidgets(context.db, context.customerId, context.input.query);
    if (!page) throw new Error("the bench sends no cursor");
    return page;
  };
  const metered = withOperation(listWidgets, handler);
  const unmetered = withOperation({ ...listWidgets, cost: { ...listWidgets.cost, units: 0 } }, handler);

  const tokens: string[] = [];
  const stripeCustomers: string[] = [];
  for (let index = 0; index < CUSTOMERS; index++) {
    const customer = await ensureStripeCustomer(app.db, app.stripe, {
      auth0UserId: `auth0|bench-${index}`,
      email: `bench-${index}@example.com`,
    });
    await givePlan(app.db, customer.id, "scale");
    await app.db.apiClient.create({
      data: { clientId: `bench-${index}`, customerId: customer.id, name: "bench", scopes: [] },
    });
    tokens.push(await app.token(`bench-${index}`));
    stripeCustomers.push(customer.stripeCustomerId ?? "");
  }

  let served = 0;
  let next = 0;
  const call = async (route: typeof metered, count: boolean) => {
    const headers = { authorization: `Bearer ${tokens[next++ % tokens.length]}` };
    const url = "http://localhost:3000/api/v1/widgets?limit=5";
    const admission = await admitRequest(new NextRequest(url, { headers }));
    if (!admission.admitted) throw new Error(`refused: ${admission.response.status}`);
    const response = await route(new Request(url, { headers }), {});
    if (response.status !== 200) throw new Error(`answered ${response.status}`);
    if (count) served += 1;
  };
  const perCall = await compareOps(
    [
      // 16 calls in flight, as autocannon's 16 connections would keep a server busy.
      { name: "metered", op: () => call(metered, true), batch: 160, concurrency: 16 },
      { name: "unmetered", op: () => call(unmetered, false), batch: 160, concurrency: 16 },
    ],
    15,
  );

  // The two durable designs the issue names, one write per call, side by side: an atomic counter per
  // customer, meter and hour (what recordUsage does) and an append-only event table aggregated later.
  await app.db.$executeRawUnsafe(
    "CREATE TABLE IF NOT EXISTS bench_usage_events (id bigserial PRIMARY KEY, customer_id uuid NOT NULL, meter text NOT NULL, at timestamptz NOT NULL, units bigint NOT NULL)",
  );
  const benchCustomer = (await app.db.customer.findFirstOrThrow()).id;
  const hourStart = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const writes = await compareOps(
    [
      {
        name: "counter_upsert",
        // Prisma queries are lazy thenables: await them, or nothing runs.
        op: async () =>
          await app.db.$executeRaw`
          INSERT INTO usage_counters (customer_id, meter, window_start, units, reported_units, updated_at)
          VALUES (${benchCustomer}::uuid, 'bench_meter', ${hourStart}, 1, 0, now())
          ON CONFLICT (customer_id, meter, window_start)
          DO UPDATE SET units = usage_counters.units + EXCLUDED.units, updated_at = now()`,
        batch: 100,
      },
      {
        name: "append_insert",
        op: async () =>
          await app.db.$executeRaw`
          INSERT INTO bench_usage_events (customer_id, meter, at, units)
          VALUES (${benchCustomer}::uuid, 'bench_meter', now(), 1)`,
        batch: 100,
      },
    ],
    15,
  );
  // What attributing usage to credentials costs: recordUsage as calls make it, with a credential
  // (usage_counters and credential_usage in one statement) and without (usage_counters alone), one
  // call at a time (a statement each) and 16 in flight (group commits carrying many calls).
  const { recordUsage } = await import("@/lib/metering/record-usage");
  const credentials = ["key:a", "key:b", "client:c", "user:d"];
  let attributedCalls = 0;
  const recordOne = (credential: string | undefined) =>
    recordUsage(app.db, {
      customerId: benchCustomer,
      meter: "bench_attribution",
      units: 1,
      at: new Date(),
      periodStart: hourStart,
      credential,
    });
  const attributedCall = () => recordOne(credentials[attributedCalls++ % credentials.length]);
  const attribution = await compareOps(
    [
      { name: "billed_only", op: () => recordOne(undefined), batch: 100 },
      { name: "billed_and_attributed", op: attributedCall, batch: 100 },
      { name: "billed_only_16_in_flight", op: () => recordOne(undefined), batch: 320, concurrency: 16 },
      { name: "billed_and_attributed_16_in_flight", op: attributedCall, batch: 320, concurrency: 16 },
    ],
    15,
  );

  const appended = await app.db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM bench_usage_events`;
  const aggregateStarted = process.hrtime.bigint();
  await app.db
    .$queryRaw`SELECT customer_id, meter, date_trunc('hour', at), sum(units) FROM bench_usage_events GROUP BY 1, 2, 3`;
  const aggregateUs = Number(process.hrtime.bigint() - aggregateStarted) / 1000;

  // Report until caught up, counting every call to Stripe.
  let stripeCalls = 0;
  for (let run = 0; run < 20; run++) {
    const summary = await reportUsage(app.db, app.stripe);
    stripeCalls += summary.sent + summary.duplicates + summary.failed;
    if (summary.planned === 0 && summary.sent + summary.failed + summary.waiting === 0) break;
  }
  const meter = (await app.stripe.billing.meters.list()).data.find(
    (m) => m.event_name === listWidgets.cost.meter,
  );
  let reported = 0;
  const hour = 3_600_000;
  for (const customer of stripeCustomers) {
    const summaries = await app.stripe.billing.meters.listEventSummaries(meter?.id ?? "", {
      customer,
      start_time: Math.floor((Date.now() - 48 * hour) / hour) * 3600,
      end_time: Math.ceil((Date.now() + hour) / hour) * 3600,
    });
    reported += summaries.data.reduce((sum, summary) => sum + summary.aggregated_value, 0);
  }

  const ratios = {
    metered_vs_unmetered: (perCall.unmetered as number) / (perCall.metered as number),
    counter_vs_append_write: (writes.counter_upsert as number) / (writes.append_insert as number),
    stripe_calls_per_10k_requests: (stripeCalls / served) * 10_000,
    lost_units: served - reported,
    attributed_vs_billed_only_write:
      (attribution.billed_and_attributed as number) / (attribution.billed_only as number),
    attributed_vs_billed_only_write_16_in_flight:
      (attribution.billed_and_attributed_16_in_flight as number) /
      (attribution.billed_only_16_in_flight as number),
  };
  return {
    area: "metering",
    results: {
      us_per_call: perCall,
      durable_write_us: writes,
      record_usage_us: attribution,
      append_only_rows_aggregated: Number(appended[0]?.n ?? 0),
      append_only_aggregate_us: aggregateUs,
      served,
      reported,
      stripe_calls: stripeCalls,
      customers: CUSTOMERS,
    },
    ratios,
    table: [
      ["gated + metered GET /api/v1/widgets", 1e6 / (perCall.metered as number), "calls/s (in process)"],
      [
        "gated, unmetered (same operation, 0 units)",
        1e6 / (perCall.unmetered as number),
        "calls/s (in process)",
      ],
      ["durable write: counter upsert", writes.counter_upsert as number, "µs/call"],
      ["durable write: append-only insert", writes.append_insert as number, "µs/call"],
      ["append-only: aggregating its rows afterwards", aggregateUs, "µs"],
      ["recordUsage, billed only (one at a time)", attribution.billed_only as number, "µs/call"],
      [
        "recordUsage, billed + per credential (one at a time)",
        attribution.billed_and_attributed as number,
        "µs/call",
      ],
      ["recordUsage, billed only (16 in flight)", attribution.billed_only_16_in_flight as number, "µs/call"],
      [
        "recordUsage, billed + per credential (16 in flight)",
        attribution.billed_and_attributed_16_in_flight as number,
        "µs/call",
      ],
      ["metered calls served", served, "calls"],
      ["units reported to Stripe (sandbox meter totals)", reported, "units"],
      ["Stripe meter-event calls", stripeCalls, "calls"],
    ],
    targets: [
      {
        name: "metered ≥ 0.85 × unmetered",
        ok: ratios.metered_vs_unmetered >= 0.85,
        detail: ratios.metered_vs_unmetered.toFixed(3),
      },
      {
        name: "Stripe calls ≤ 1% of requests (100 per 10,000)",
        ok: ratios.stripe_calls_per_10k_requests <= 100,
        detail: ratios.stripe_calls_per_10k_requests.toFixed(1),
      },
      {
        name: "served minus reported units = 0",
        ok: ratios.lost_units === 0,
        detail: String(ratios.lost_units),
      },
    ],
  };
}
