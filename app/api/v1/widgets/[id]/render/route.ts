import { renderWidget } from "@/product/operations";
import { unitsFor } from "@/lib/api/catalog";
import { ApiProblem, withOperation } from "@/lib/api/with-operation";
import * as widgets from "@/product/widgets/widgets";

// POST /api/v1/widgets/{id}/render – render a widget as an SVG badge, priced by size
export const POST = withOperation(renderWidget, async ({ db, customerId, input }) => {
  const widget = await widgets.getWidget(db, customerId, input.params.id);
  if (!widget) throw new ApiProblem("not_found", "No widget with this id.");
  const { width, height } = input.body;
  return {
    svg: widgets.renderWidgetSvg(widget, width, height),
    width,
    height,
    units: unitsFor(renderWidget, input),
  };
});
