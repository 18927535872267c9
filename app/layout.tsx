import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { Toaster } from "@/components/ui/toaster";
import { getSession } from "@/lib/auth/session";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Tollgate", template: "%s · Tollgate" },
  description: "Sell a metered HTTP API: Auth0 tokens, Stripe billing and exactly-once usage metering.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page is rendered per request (never prerendered at build): the CSP nonce set by proxy.ts is
  // new on each response, and the header shows who is signed in.
  await connection();
  const session = await getSession();
  return (
    <html lang="en">
      <body className="min-h-screen">
        <a
          href="#content"
          className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:p-2"
        >
          Skip to content
        </a>
        <header className="border-b border-slate-200 bg-white">
          <nav
            aria-label="Main"
            className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-5 gap-y-2 px-4 py-3 text-sm"
          >
            <Link href="/" className="mr-auto font-semibold text-slate-900">
              Tollgate
            </Link>
            <Link href="/pricing">Pricing</Link>
            <Link href="/docs/api">API reference</Link>
            {session ? (
              <>
                <Link href="/dashboard">Dashboard</Link>
                {/* The SDK's routes are plain links, not client-side navigations. */}
                <a href="/auth/logout">Sign out</a>
              </>
            ) : (
              <a href="/auth/login?returnTo=%2Fdashboard" className="btn">
                Sign in
              </a>
            )}
          </nav>
        </header>
        <div id="content">{children}</div>
        <Toaster />
      </body>
    </html>
  );
}
