"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { UsageSummary } from "@/lib/metering/usage-summary";

/** Units per day as a bar chart; the same numbers are in a table beside it for screen readers. */
export function UsageChart({ daily }: { daily: UsageSummary["daily"] }) {
  return (
    <div className="h-64 w-full" aria-hidden="true">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart
          accessibilityLayer={false}
          data={daily.map((entry) => ({ ...entry, label: entry.date.slice(5) }))}
        >
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" fontSize={12} tickLine={false} />
          <YAxis allowDecimals={false} fontSize={12} width={48} tickLine={false} />
          <Tooltip />
          <Bar dataKey="units" name="Units" fill="#4338ca" radius={[3, 3, 0, 0]} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
