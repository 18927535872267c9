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
        <Link href="/docs/api" className="btn-secondary">
          Read the API reference
        </Link>
        <Link href="/pricing" className="btn-secondary">
          See pricing
        </Link>
      </div>
      <section aria-labelledby="first-call-heading" className="mt-12">
        <h2 id="first-call-heading" className="text-xl font-semibold">
          Your first call in under a minute
        </h2>
        <ol className="mt-3 list-decimal space-y-1 pl-5">
          <li>Sign in: you start on the Free plan, no card needed.</li>
          <li>
            In <strong>API access</strong>, create a machine client and copy its secret.
          </li>
          <li>
            Paste the <code className="font-mono">curl</code> snippet shown with it, or send a request from
            the <Link href="/docs/api#try-it">console in the API reference</Link>.
          </li>
        </ol>
      </section>
      <ul className="mt-10 list-disc space-y-1 pl-5">
        <li>
          <Link href="/docs/api">API reference</Link>, with a console to try it
        </li>
        <li>
          <a href="/api/openapi.json">OpenAPI 3.1 document</a>
        </li>
        <li>
          <Link href="/__health">Service health</Link>
        </li>
      </ul>
    </main>
  );
}
