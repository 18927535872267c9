"use client";

import { Notice } from "@/components/ui/notice";

// A dashboard page failed: say so plainly and offer a retry (details are in the server log).
export default function DashboardError({ reset }: { error: Error; reset: () => void }) {
  return (
    <Notice
      tone="error"
      role="alert"
      action={
        <button type="button" className="btn" onClick={reset}>
          Try again
        </button>
      }
    >
      <h1 className="text-xl font-semibold">This page could not be loaded</h1>
      <p className="mt-2">
        Something went wrong on our side. Try again; if it keeps happening, contact support.
      </p>
    </Notice>
  );
}
