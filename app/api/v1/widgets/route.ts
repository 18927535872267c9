import { createWidget, listWidgets } from "@/lib/api/operations";
import { withOperation } from "@/lib/api/with-operation";
import * as widgets from "@/lib/widgets/widgets";

// GET /api/v1/widgets – list the caller's widgets
export const GET = withOperation(listWidgets, ({ db, customerId, input }) =>
  widgets.listWidgets(db, customerId, input.query),
);

// POST /api/v1/widgets – create a widget
export const POST = withOperation(createWidget, ({ db, customerId, input }) =>
  widgets.createWidget(db, customerId, input.body),
);
