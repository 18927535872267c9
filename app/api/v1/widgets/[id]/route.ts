import { deleteWidget, getWidget } from "@/product/operations";
import { withOperation } from "@/lib/api/with-operation";
import { TollgateError } from "@/lib/errors";
import * as widgets from "@/product/widgets/widgets";

// GET /api/v1/widgets/{id} – one of the caller's widgets
export const GET = withOperation(getWidget, async ({ db, customerId, input }) => {
  const widget = await widgets.getWidget(db, customerId, input.params.id);
  if (!widget) throw new TollgateError("ERR_NOT_FOUND", { detail: "No widget with this id." });
  return widget;
});

// DELETE /api/v1/widgets/{id} – delete one of the caller's widgets
export const DELETE = withOperation(deleteWidget, async ({ db, customerId, input }) => {
  if (!(await widgets.deleteWidget(db, customerId, input.params.id))) {
    throw new TollgateError("ERR_NOT_FOUND", { detail: "No widget with this id." });
  }
  return null;
});
