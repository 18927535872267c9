import { NextResponse, type NextRequest } from "next/server";
import { admitRequest } from "@/lib/api/admit-request";

// The API gate (Next 16 proxy, Node.js runtime): every /api/v1 request is matched against the endpoint
// catalog and its access token verified before any route handler runs. Handlers re-check the identity
// this passes on (lib/api/with-operation.ts), so a proxy bypass can never serve a request.
export async function proxy(request: NextRequest) {
  const admission = await admitRequest(request);
  if (!admission.admitted) return admission.response;
  const response = NextResponse.next({ request: { headers: admission.headers } });
  response.headers.set("x-request-id", admission.requestId);
  return response;
}

export const config = {
  matcher: "/api/v1/:path*",
};
