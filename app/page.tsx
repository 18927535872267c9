import Link from "next/link";

export default function HomePage() {
  return (
    <main className="mx-auto max-w-3xl px-4 py-16">
      <h1 className="text-4xl font-bold tracking-tight">Tollgate</h1>
      <p className="mt-4 text-xl text-slate-700">
        A metered HTTP API, ready to sell: sign in with Auth0, subscribe with Stripe, call{" "}
        <code className="font-mono">/api/v1</code> with a Bearer token, and pay for exactly what you use.
      </p>
      <div className="mt-8 flex flex-wrap gap-3">
        <a href="/auth/login?returnTo=%2Fdashboard" className="btn">
          Get an API key
        </a>
        <Link href="/pricing" className="btn-secondary">
          See pricing
        </Link>
      </div>
      <ul className="mt-10 list-disc space-y-1 pl-5">
        <li>
          <Link href="/api/openapi.json">API reference (OpenAPI 3.1)</Link>
        </li>
        <li>
          <Link href="/__health">Service health</Link>
        </li>
      </ul>
    </main>
  );
}
