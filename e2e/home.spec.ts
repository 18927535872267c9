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

test("the home page has an icon and asks for nothing that is missing", async ({ page }) => {
  const missing: string[] = [];
  page.on("response", (response) => {
    if (response.status() === 404) missing.push(response.url());
  });
  await page.goto("/", { waitUntil: "load" });
  const href = await page.locator('link[rel="icon"]').first().getAttribute("href");
  expect(href).toMatch(/^\/icon\.svg/);
  const icon = await page.request.get(href ?? "");
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toContain("image/svg+xml");
  expect(missing).toEqual([]);
});

test("health reports the database", async ({ request }) => {
  const response = await request.get("/__health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: "ok", db: "ok" });
});
