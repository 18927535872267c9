"use client";

// A dashboard page failed: say so plainly and offer a retry (details are in the server log).
export default function DashboardError({ reset }: { error: Error; reset: () => void }) {
  return (
    <div role="alert" className="card border-red-300">
      <h1 className="text-xl font-semibold">This page could not be loaded</h1>
      <p className="mt-2">
        Something went wrong on our side. Try again; if it keeps happening, contact support.
      </p>
      <button type="button" className="btn mt-4" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
