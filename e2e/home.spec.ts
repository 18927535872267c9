import { expect, test } from "@playwright/test";

test("the home page says what Tollgate is and links to the API reference", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1, name: "Tollgate" })).toBeVisible();
  const main = page.getByRole("main");
  await expect(main.getByRole("link", { name: "Read the API reference" })).toHaveAttribute(
    "href",
    "/docs/api",
  );
  await expect(main.getByRole("link", { name: "OpenAPI 3.1 document" })).toHaveAttribute(
    "href",
    "/api/openapi.json",
  );
  await expect(page.getByRole("heading", { level: 2, name: /first call in under a minute/ })).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/home.png", fullPage: true });
});

test("health reports the database", async ({ request }) => {
  const response = await request.get("/__health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: "ok", db: "ok" });
});
