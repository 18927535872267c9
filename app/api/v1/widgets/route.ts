import { createWidget, listWidgets } from "@/product/operations";
import { ApiProblem, withOperation } from "@/lib/api/with-operation";
import * as widgets from "@/product/widgets/widgets";

// GET /api/v1/widgets – list the caller's widgets
export const GET = withOperation(listWidgets, async ({ db, customerId, input }) => {
  const page = await widgets.listWidgets(db, customerId, input.query);
  if (!page)
    throw new ApiProblem("invalid_request", "query.cursor: not the next_cursor of a page of your widgets.");
  return page;
});

// POST /api/v1/widgets – create a widget
export const POST = withOperation(createWidget, ({ db, customerId, input }) =>
  widgets.createWidget(db, customerId, input.body),
);
