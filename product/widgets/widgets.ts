import "server-only";
import type { Database } from "@/lib/db";
import type { Widget as WidgetRow } from "@/lib/generated/prisma/client";

/** A widget as the API shows it. */
export interface WidgetView {
  id: string;
  name: string;
  color: string;
  size_cm: number;
  created_at: string;
}

/** The API's view of a stored widget. */
export function toWidgetView(row: WidgetRow): WidgetView {
  return {
    id: row.id,
    name: row.name,
    color: row.color,
    size_cm: row.sizeCm,
    created_at: row.createdAt.toISOString(),
  };
}

/** A page of widgets, and the cursor of the next page (null on the last). */
export interface WidgetPage {
  data: WidgetView[];
  next_cursor: string | null;
}

/**
 * A page of a customer's widgets, newest first; `cursor` is the last id of the previous page. Null when
 * the cursor is not one of the customer's widgets: it is looked up within them, never globally, so
 * another customer's widget id says nothing about that widget (Prisma's own `cursor` ignores `where`).
 */
export async function listWidgets(
  db: Database,
  customerId: string,
  page: { limit: number; cursor?: string },
): Promise<WidgetPage | null> {
  let after: { id: string; createdAt: Date } | null = null;
  if (page.cursor) {
    after = await db.widget.findFirst({
      where: { id: page.cursor, customerId },
      select: { id: true, createdAt: true },
    });
    if (!after) return null;
  }
  const rows = await db.widget.findMany({
    where: after
      ? {
          customerId,
          OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
        }
      : { customerId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: page.limit + 1,
  });
  const hasMore = rows.length > page.limit;
  const data = rows.slice(0, page.limit);
  return { data: data.map(toWidgetView), next_cursor: hasMore ? (data.at(-1)?.id ?? null) : null };
}

/** Stores a new widget for a customer. */
export async function createWidget(
  db: Database,
  customerId: string,
  input: { name: string; color: string; size_cm: number },
): Promise<WidgetView> {
  const row = await db.widget.create({
    data: { customerId, name: input.name, color: input.color, sizeCm: input.size_cm },
  });
  return toWidgetView(row);
}

/** One of a customer's widgets; null when it does not exist or belongs to someone else. */
export async function getWidget(db: Database, customerId: string, id: string): Promise<WidgetView | null> {
  const row = await db.widget.findFirst({ where: { id, customerId } });
  return row ? toWidgetView(row) : null;
}

/** Deletes one of a customer's widgets; false when there was none to delete. */
export async function deleteWidget(db: Database, customerId: string, id: string): Promise<boolean> {
  const { count } = await db.widget.deleteMany({ where: { id, customerId } });
  return count === 1;
}

/** Renders a widget as an SVG badge of the requested size. */
export function renderWidgetSvg(widget: WidgetView, width: number, height: number): string {
  const label = escapeXml(`${widget.name} · ${widget.size_cm} cm`);
  const fontSize = Math.max(8, Math.round(Math.min(height * 0.4, (width / Math.max(label.length, 1)) * 1.6)));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}">` +
    `<rect width="100%" height="100%" rx="${Math.round(height / 6)}" fill="${widget.color}"/>` +
    `<text x="50%" y="50%" dominant-baseline="middle" text-anchor="middle" font-family="system-ui, sans-serif" font-size="${fontSize}" fill="#fff">${label}</text>` +
    `</svg>`
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
