import { renderWidget } from "@/product/operations";
import { unitsFor } from "@/lib/api/catalog";
import { withOperation } from "@/lib/api/with-operation";
import { TollgateError } from "@/lib/errors";
import * as widgets from "@/product/widgets/widgets";

// POST /api/v1/widgets/{id}/render – render a widget as an SVG badge, priced by size
export const POST = withOperation(renderWidget, async ({ db, customerId, input }) => {
  const widget = await widgets.getWidget(db, customerId, input.params.id);
  if (!widget) throw new TollgateError("ERR_NOT_FOUND", { detail: "No widget with this id." });
  const { width, height } = input.body;
  return {
    svg: widgets.renderWidgetSvg(widget, width, height),
    width,
    height,
    units: unitsFor(renderWidget, input),
  };
});
