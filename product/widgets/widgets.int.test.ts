import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigratedDatabase, TEST_BACKEND, type TestDatabase } from "@/test/database";
import type { Database } from "@/lib/db";
import { createWidget, deleteWidget, getWidget, listWidgets, renderWidgetSvg } from "./widgets";

describe(`widgets on ${TEST_BACKEND}`, () => {
  let database: TestDatabase & { db: Database };
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    alice = (await database.db.customer.create({ data: { email: "alice@example.com" } })).id;
    bob = (await database.db.customer.create({ data: { email: "bob@example.com" } })).id;
  });
  afterAll(() => database.destroy());

  it("never shows or deletes one customer's widget to another", async () => {
    const widget = await createWidget(database.db, alice, { name: "Gear", color: "#112233", size_cm: 4 });
    expect(await getWidget(database.db, bob, widget.id)).toBeNull();
    expect(await deleteWidget(database.db, bob, widget.id)).toBe(false);
    expect((await listWidgets(database.db, bob, { limit: 20 }))?.data).toEqual([]);
    expect(await getWidget(database.db, alice, widget.id)).toEqual(widget);
    expect(await deleteWidget(database.db, alice, widget.id)).toBe(true);
    expect(await getWidget(database.db, alice, widget.id)).toBeNull();
  });

  it("pages through a customer's widgets newest first", async () => {
    const names = ["a", "b", "c", "d", "e"];
    // Explicit, distinct creation times: two inserts in the same millisecond would tie.
    await database.db.widget.createMany({
      data: names.map((name, index) => ({
        customerId: bob,
        name,
        color: "#000000",
        sizeCm: 1,
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index)),
      })),
    });
    const first = await listWidgets(database.db, bob, { limit: 2 });
    expect(first?.data.map((widget) => widget.name)).toEqual(["e", "d"]);
    const second = await listWidgets(database.db, bob, { limit: 2, cursor: first?.next_cursor ?? undefined });
    expect(second?.data.map((widget) => widget.name)).toEqual(["c", "b"]);
    const last = await listWidgets(database.db, bob, { limit: 2, cursor: second?.next_cursor ?? undefined });
    expect(last).toMatchObject({ data: [{ name: "a" }], next_cursor: null });
  });

  it("takes a cursor only from the caller's own widgets: another's id says nothing about it", async () => {
    const mallory = (await database.db.customer.create({ data: { email: "mallory-cursor@example.com" } })).id;
    const victim = (await database.db.customer.create({ data: { email: "victim-cursor@example.com" } })).id;
    const secret = await createWidget(database.db, victim, { name: "secret", color: "#000000", size_cm: 1 });
    await createWidget(database.db, mallory, { name: "mine", color: "#000000", size_cm: 1 });
    // An existing widget of someone else and an id that exists nowhere answer alike.
    expect(await listWidgets(database.db, mallory, { limit: 10, cursor: secret.id })).toBeNull();
    expect(await listWidgets(database.db, mallory, { limit: 10, cursor: crypto.randomUUID() })).toBeNull();
    expect((await listWidgets(database.db, victim, { limit: 10, cursor: secret.id }))?.data).toEqual([]);
  });

  it("renders an SVG with the name escaped", () => {
    const svg = renderWidgetSvg(
      { id: "x", name: '<script>"&', color: "#4338ca", size_cm: 3, created_at: "2026-01-01T00:00:00.000Z" },
      200,
      50,
    );
    expect(svg).toContain('width="200" height="50"');
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&#60;script&#62;&#34;&#38;");
  });
});
