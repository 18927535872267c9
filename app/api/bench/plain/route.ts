import { benchReferenceRoute } from "@/lib/api/bench-route";

export const dynamic = "force-dynamic";

// GET /api/bench/plain – benchmark reference route (404 unless TOLLGATE_BENCH is set)
export function GET() {
  return benchReferenceRoute();
}
