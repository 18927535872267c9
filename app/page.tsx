import Link from "next/link";

export default function HomePage() {
  return (
    <main>
      <h1>Tollgate</h1>
      <p className="lead">
        A metered HTTP API, ready to sell: sign in with Auth0, subscribe with Stripe, call{" "}
        <code>/api/v1</code> with a Bearer token, and pay for exactly what you use.
      </p>
      <ul>
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
