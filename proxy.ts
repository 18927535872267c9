import { NextResponse, type NextRequest } from "next/server";
import { admitRequest } from "@/lib/api/admit-request";

// The API gate (Next 16 proxy, Node.js runtime): every /api/v1 request is matched against the endpoint
// catalog and its access token verified before any route handler runs. Admitted requests go through
// unchanged: route handlers authenticate the token again (lib/api/with-operation.ts, a cache hit), so
// a proxy bypass can never serve a request and no header a client could forge is ever trusted.
export async function proxy(request: NextRequest) {
  // The benchmark's "empty proxy" reference: the cost of running a proxy at all (bench/gate.ts).
  if (request.nextUrl.pathname === BENCH_EMPTY_PROXY_PATH) return NextResponse.next();

  const admission = await admitRequest(request);
  return admission.admitted ? NextResponse.next() : admission.response;
}

const BENCH_EMPTY_PROXY_PATH = "/api/bench/proxied";

export const config = {
  matcher: ["/api/v1/:path*", "/api/bench/proxied"],
};
