import { expect, test, type Page } from "@playwright/test";
import { checkPage, signIn } from "./support";

// The operator's view in a production build on the local issuer, whose people carry their roles in the
// claim the app reads by default in local mode: Alice has the admin role, Bob ("member") does not.
// Specs run one file at a time in name order: this one comes after billing and dashboard, so the view
// (and the README's screenshot of it) shows their customers, subscriptions and usage.

const dashboardNav = (page: Page) => page.getByRole("navigation", { name: "Dashboard" });

test("an operator opens the admin view from the dashboard's nav", async ({ page }) => {
  await signIn(page, "Alice", "/dashboard");
  await dashboardNav(page).getByRole("link", { name: "Admin" }).click();
  await page.waitForURL((url) => url.pathname === "/dashboard/admin");
  await expect(page.getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
  for (const section of ["Plans", "Customers", "Failed payments", "Usage not in Stripe", "Stripe webhooks"]) {
    await expect(page.getByRole("region", { name: section })).toBeVisible();
  }
  // Her own first sign-in opened a customer, so the list has at least her.
  await expect(page.getByTestId("admin-customer-table")).toContainText("alice@example.com");
  await checkPage(page, "admin", { file: "admin.png", height: 1100 });

  await page.getByRole("link", { name: "Reconcile with Stripe" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Reconciliation" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name: /mismatched/ })).toBeVisible();
  await checkPage(page, "admin-reconciliation");
});

test("a person without the admin role has no Admin tab and gets not-found at its address", async ({
  page,
}) => {
  await signIn(page, "Bob", "/dashboard");
  await expect(dashboardNav(page).getByRole("link", { name: "Overview" })).toBeVisible();
  await expect(dashboardNav(page).getByRole("link", { name: "Admin" })).toHaveCount(0);
  for (const path of ["/dashboard/admin", "/dashboard/admin/reconciliation"]) {
    // A real 404, answered by the proxy: the page's own check would come after the loading UI's 200.
    expect((await page.goto(path))?.status()).toBe(404);
    await expect(page.getByText("This page could not be found.")).toBeVisible();
    await expect(page.getByRole("heading", { level: 1, name: /^(Admin|Reconciliation)$/ })).toHaveCount(0);
    await expect(page.getByText("alice@example.com")).toHaveCount(0);
  }
});
