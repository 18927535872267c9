import { NextResponse, type NextRequest } from "next/server";
import { admitRequest } from "@/lib/api/admit-request";
import { getAuth0 } from "@/lib/auth/auth0";
import { claimsOperatorRole, isOperatorPage } from "@/lib/auth/operator-claim";
import { isSameOriginPath, signInUrl } from "@/lib/auth/return-to";
import { getConfig } from "@/lib/config";
import { contentSecurityPolicy, STRICT_TRANSPORT_SECURITY } from "@/lib/security/content-security-policy";

// The API gate (Next 16 proxy, Node.js runtime): every /api/v1 request is matched against the endpoint
// catalog and its access token verified before any route handler runs. Admitted requests go through
// unchanged (Basic credentials become the token they were exchanged for): route handlers authenticate
// the token again (lib/api/with-operation.ts), so a proxy bypass can never serve a request and no
// header a client could forge is ever trusted.
// Pages get the Auth0 SDK's routes and rolling session, a per-response CSP nonce, and the dashboard
// a sign-in redirect (its pages check the session again themselves). The operator's pages answer
// anyone whose token does not claim the role with the app's 404 here: the dashboard's loading UI
// streams with 200 before a page's own check (requireOperator) can refuse.
export async function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (pathname === "/api/v1" || pathname.startsWith("/api/v1/")) {
    const admission = await admitRequest(request);
    if (!admission.admitted) return admission.response;
    if (!admission.authorization) return NextResponse.next();
    const headers = new Headers(request.headers);
    headers.set("authorization", admission.authorization);
    return NextResponse.next({ request: { headers } });
  }
  return pageProxy(request);
}

async function pageProxy(request: NextRequest): Promise<NextResponse> {
  const { pathname, search, searchParams } = request.nextUrl;
  if (pathname === "/auth/login" || pathname === "/auth/logout") {
    // Sign-in returns only to this origin; sign-out always to the home page (the issuer's allow-list).
    const returnTo = searchParams.get("returnTo");
    if (returnTo !== null && (pathname === "/auth/logout" || !isSameOriginPath(returnTo))) {
      const url = request.nextUrl.clone();
      url.searchParams.delete("returnTo");
      return NextResponse.redirect(url);
    }
  }

  const auth0 = getAuth0();
  const authResponse = await auth0.middleware(request);
  if (pathname.startsWith("/auth/")) return noStoreIfSession(authResponse);

  let notFound = false;
  if (pathname === "/dashboard" || pathname.startsWith("/dashboard/")) {
    const session = await auth0.getSession(request);
    if (!session) return NextResponse.redirect(new URL(signInUrl(pathname + search), request.url));
    notFound = isOperatorPage(pathname) && !claimsOperatorRole(session.tokenSet.accessToken);
  }

  const config = getConfig();
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const csp = contentSecurityPolicy({
    nonce,
    development: !config.production,
    formTargets: stripeOrigins(config.stripe.apiUrl),
  });
  // Next reads the nonce from the request's CSP header and puts it on the scripts it renders.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  const response = notFound
    ? NextResponse.rewrite(new URL(NOT_FOUND_PATH, request.url), { request: { headers: requestHeaders } })
    : NextResponse.next({ request: { headers: requestHeaders } });
  for (const cookie of authResponse.headers.getSetCookie()) response.headers.append("set-cookie", cookie);
  response.headers.set("content-security-policy", csp);
  if (config.production && config.auth.appBaseUrl.startsWith("https://")) {
    response.headers.set("strict-transport-security", STRICT_TRANSPORT_SECURITY);
  }
  return noStoreIfSession(response);
}

/**
 * A path no page can have (a folder starting with `_` is private in the app router), so Next answers it
 * with its not-found page and status 404 while the address bar keeps the requested URL.
 */
const NOT_FOUND_PATH = "/_operators-only";

/** Where Checkout and the Customer Portal live: Stripe's hosts, or the local sandbox. */
function stripeOrigins(apiUrl: string | undefined): string[] {
  return apiUrl ? [new URL(apiUrl).origin] : ["https://checkout.stripe.com", "https://billing.stripe.com"];
}

/** A response that sets the session cookie must never be stored by a shared cache. */
function noStoreIfSession<T extends Response>(response: T): T {
  if (response.headers.getSetCookie().length > 0) {
    response.headers.set("cache-control", "private, no-cache, no-store, must-revalidate, max-age=0");
  }
  return response;
}

export const config = {
  matcher: [
    "/api/v1/:path*",
    // Pages and the SDK's /auth/* routes; not static assets, and not the other API routes (webhook,
    // cron, health, OpenAPI), which have no session.
    "/((?!_next/static|_next/image|favicon.ico|icon.svg|sitemap.xml|robots.txt|api/|__health).*)",
  ],
};
