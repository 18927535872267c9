import { createWidget, listWidgets } from "@/product/operations";
import { withOperation } from "@/lib/api/with-operation";
import { TollgateError } from "@/lib/errors";
import * as widgets from "@/product/widgets/widgets";

// GET /api/v1/widgets – list the caller's widgets
export const GET = withOperation(listWidgets, async ({ db, customerId, input }) => {
  const page = await widgets.listWidgets(db, customerId, input.query);
  if (!page)
    throw new TollgateError("ERR_INVALID_INPUT", {
      detail: "query.cursor: not the next_cursor of a page of your widgets.",
    });
  return page;
});

// POST /api/v1/widgets – create a widget
export const POST = withOperation(createWidget, ({ db, customerId, input }) =>
  widgets.createWidget(db, customerId, input.body),
);
