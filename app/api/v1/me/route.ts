import { getCaller } from "@/product/operations";
import { withOperation } from "@/lib/api/with-operation";

// GET /api/v1/me – the verified caller and the customer it acts for
export const GET = withOperation(getCaller, ({ caller, customerId }) => ({
  subject: caller.subject,
  kind: caller.kind,
  client_id: caller.clientId,
  customer_id: customerId,
  scopes: [...caller.scopes],
}));
