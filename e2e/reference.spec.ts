import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { requiredScopes } from "@/lib/api/catalog";
import { catalog } from "@/product/operations";
import { PROBLEM_TYPES, problemType, type ProblemName } from "@/lib/errors";
import { checkPage } from "./support";

// The API reference at /docs/api, rendered from the OpenAPI document, and its "try it" console, which
// sends real calls through the gate with the signed-in person's own access token.

test("signed out, the reference lists every operation and the console asks to sign in", async ({ page }) => {
  const blocked: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
  });
  await page.goto("/");
  await page.getByRole("link", { name: "Read the API reference" }).click();
  await expect(page).toHaveURL(/\/docs\/api$/);
  await expect(page.getByRole("heading", { level: 1, name: "API reference" })).toBeVisible();
  await expect(
    page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API reference" }),
  ).toHaveAttribute("href", "/docs/api");

  await expect(page.getByTestId("operation")).toHaveCount(catalog.operations.length);
  for (const operation of catalog.operations) {
    const article = page.locator(`article#${operation.id}`);
    const heading = article.getByRole("heading", { level: 3 });
    await expect(heading).toContainText(operation.method);
    await expect(heading).toContainText(operation.path);
    await expect(article).toContainText(operation.summary);
    const scopes = requiredScopes(operation.scopes);
    if (scopes.length === 0) await expect(article.getByTestId("scopes")).toHaveText(/^none/);
    for (const scope of scopes) await expect(article.getByTestId("scopes")).toContainText(scope);
    await expect(article.getByTestId("cost")).toContainText(operation.cost.meter);
    if (typeof operation.cost.units === "number" && operation.cost.units > 0) {
      await expect(article.getByTestId("cost")).toContainText(`${operation.cost.units} unit`);
    }
  }
  // The free operation says so; a write shows its body schema and its 402.
  await expect(page.locator("article#getCaller").getByTestId("cost")).toHaveText(/^free/);
  const create = page.locator("article#createWidget");
  await expect(create.getByRole("link", { name: "NewWidget" })).toHaveAttribute("href", "#schema-NewWidget");
  await expect(create.getByRole("link", { name: "subscription_required" })).toBeVisible();
  await expect(page.locator("#schema-NewWidget")).toContainText("size_cm");

  for (const name of Object.keys(PROBLEM_TYPES) as ProblemName[]) {
    const row = page.locator(`#problem-${name}`);
    await expect(row).toContainText(problemType(name));
    await expect(row).toContainText(String(PROBLEM_TYPES[name].status));
  }

  const tryIt = page.locator("#try-it");
  await expect(tryIt.getByRole("link", { name: "Sign in to try the API" })).toHaveAttribute(
    "href",
    "/auth/login?returnTo=%2Fdocs%2Fapi",
  );
  await expect(tryIt.getByRole("button", { name: "Send request" })).toHaveCount(0);
  await checkPage(page, "reference");
  expect(blocked, "CSP violations").toEqual([]);
});

test("signed in on Free, the console calls the API with the person's token and shows problems", async ({
  page,
}) => {
  const blocked: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
  });
  const apiCalls: { url: string; authorization: string | undefined; cookie: string | undefined }[] = [];
  const urls: string[] = [];
  page.on("request", (request) => {
    urls.push(request.url());
    if (new URL(request.url()).pathname.startsWith("/api/v1/")) {
      const headers = request.headers();
      apiCalls.push({ url: request.url(), authorization: headers.authorization, cookie: headers.cookie });
    }
  });

  // Bob is a member (every scope but delete:widgets) whose customer stays on Free in every spec.
  await page.goto("/docs/api");
  await page.getByRole("link", { name: "Sign in to try the API" }).click();
  await page.waitForURL(/localhost:4010\/interaction\//);
  await page.getByRole("button", { name: /Continue as Bob Member/ }).click();
  await page.waitForURL((url) => url.origin !== "http://localhost:4010" && url.pathname === "/docs/api");

  const tryIt = page.locator("#try-it");
  const send = tryIt.getByRole("button", { name: /Send request|Sending/ });
  const status = tryIt.getByTestId("console-status");
  const body = async () =>
    JSON.parse((await tryIt.getByTestId("console-body").textContent()) ?? "null") as unknown;

  await test.step("GET /api/v1/me answers 200 with who is calling", async () => {
    await tryIt.getByLabel("Operation").selectOption("getCaller");
    await send.click();
    await expect(status).toHaveText(/^200\b/);
    expect(await body()).toMatchObject({
      subject: "auth0|bob",
      kind: "person",
      scopes: expect.arrayContaining(["get:widgets", "render:widgets"]),
    });
    const headers = tryIt.getByTestId("console-headers");
    await expect(headers).toContainText("x-request-id");
    await expect(headers).toContainText("ratelimit-policy");
    await expect(send).toHaveText("Send request");
  });

  await test.step("a write answers 402 on Free, shown as problem details", async () => {
    await tryIt.getByLabel("Operation").selectOption("renderWidget");
    await tryIt.getByLabel("id (path)").fill(randomUUID());
    await expect(tryIt.getByLabel("Request body (JSON)")).toHaveValue(/"width": 16/);
    await send.click();
    await expect(status).toHaveText(/^402\b/);
    expect(await body()).toMatchObject({
      type: problemType("subscription_required"),
      status: 402,
      plan: "free",
      required_features: ["render:widgets"],
      request_id: expect.any(String),
    });
    const headers = tryIt.getByTestId("console-headers");
    await expect(headers).toContainText("application/problem+json");
    await expect(headers).toContainText("x-request-id");
  });

  await test.step("a request the console cannot send is explained in plain words", async () => {
    await tryIt.getByLabel("Request body (JSON)").fill("{ width: 16 }");
    await send.click();
    await expect(tryIt.getByRole("alert")).toContainText("The request body is not valid JSON");
    const toasts = page.getByRole("region", { name: /^Notifications/ });
    await expect(toasts).toContainText("The request was not sent");
    await checkPage(page, "reference-console-error");
    await toasts.getByRole("button", { name: "Dismiss" }).click();
    await expect(toasts).not.toContainText("The request was not sent");
  });

  await test.step("the token travelled only in the Authorization header", async () => {
    expect(apiCalls.map((call) => new URL(call.url).pathname)).toEqual([
      "/api/v1/me",
      expect.stringMatching(/^\/api\/v1\/widgets\/[0-9a-f-]+\/render$/),
    ]);
    for (const call of apiCalls) {
      // Booleans only: a failing assertion must never print the token into the test log.
      expect(call.authorization?.startsWith("Bearer ") ?? false).toBe(true);
      expect(call.cookie === undefined).toBe(true);
    }
    expect(urls.filter((url) => /eyJ[\w-]{8,}\./.test(url)).length).toBe(0);
  });

  // The README's screenshot: the console with the 402 on screen.
  await tryIt.getByLabel("Request body (JSON)").fill('{\n  "width": 16,\n  "height": 16\n}');
  await send.click();
  await expect(status).toHaveText(/^402\b/);
  await tryIt.scrollIntoViewIfNeeded();
  await checkPage(page, "reference-console", { file: "api-reference.png", height: 1500 });
  expect(blocked, "CSP violations").toEqual([]);
});
