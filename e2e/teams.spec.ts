import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { checkPage, signIn } from "./support";

// Teams in a production build on the local issuer: Alice invites Carol as a developer, Carol signs in
// from the link, accepts, makes an API key for Alice's team and calls the API with it, and is refused
// billing; Bob cannot use Carol's link; Carol switches back to her own team; Alice removes her. Carol
// ends acting for her own team again, as the specs after this one expect.

/** The mail catcher's JSON list, which `npm test` starts beside the local issuer (dev/main.ts). */
const MAIL_CATCHER = "http://localhost:4026/messages";

async function invitationEmailTo(request: APIRequestContext, to: string) {
  let found: { to: string[]; subject: string; text: string } | undefined;
  await expect
    .poll(async () => {
      const response = await request.get(MAIL_CATCHER);
      const { messages } = (await response.json()) as { messages: NonNullable<typeof found>[] };
      found = messages.find((message) => message.to.includes(to) && /invit/i.test(message.subject));
      return Boolean(found);
    })
    .toBe(true);
  return found as NonNullable<typeof found>;
}

const toasts = (page: Page) => page.getByRole("region", { name: /^Notifications/ });
const KEY_NAME = "Carol's key for Alice's team";

test("an invited developer joins a team, calls the API with the team's key, and cannot touch billing", async ({
  browser,
  request,
}) => {
  const alice = await (await browser.newContext()).newPage();
  const carol = await browser.newContext();
  const bob = await (await browser.newContext()).newPage();
  let invitationPath = "";

  await test.step("Alice invites carol@example.com as a developer and gets a link", async () => {
    await signIn(alice, "Alice Admin", "/dashboard/team");
    await expect(alice.getByRole("heading", { level: 1 })).toHaveText("Team: alice@example.com");
    const form = alice.getByRole("form", { name: "Invite a teammate" });
    await form.getByLabel("Email").fill("carol@example.com");
    await form.getByLabel("Role").selectOption("developer");
    await form.getByRole("button", { name: "Invite" }).click();
    await expect(toasts(alice)).toContainText("Invited carol@example.com");
    const link = (await alice.getByTestId("invitation-link").textContent()) ?? "";
    expect(link).toMatch(/\/invitations\/[A-Za-z0-9_-]{43}$/);
    invitationPath = new URL(link).pathname;
    // The invitation also went out by email, through the local SMTP catcher, with the same link.
    const email = await invitationEmailTo(request, "carol@example.com");
    expect(email.subject).toContain("alice@example.com");
    expect(email.text).toContain(link);
    await expect(
      alice.getByTestId("invitations").getByRole("row").filter({ hasText: "carol@example.com" }),
    ).toContainText("Developer");
    await checkPage(alice, "team", { file: "team.png", height: 1000 });
  });

  await test.step("Bob, signed in, cannot accept Carol's invitation", async () => {
    await signIn(bob, "Bob Member", invitationPath);
    await expect(bob.locator('[data-code="ERR_INVITATION_WRONG_EMAIL"]')).toContainText(
      "Only carol@example.com can accept it",
    );
    await expect(bob.getByRole("button", { name: /^Join/ })).toHaveCount(0);
  });

  // Carol's billing page as the owner of her own team, left open while she joins Alice's team.
  const staleBilling = await carol.newPage();
  await signIn(staleBilling, "Carol Newcomer", "/dashboard/billing");
  await expect(staleBilling.getByRole("button", { name: "Manage billing" })).toBeVisible();
  const page = await carol.newPage();

  await test.step("Carol opens the link, accepts, and acts for Alice's team as a developer", async () => {
    await page.goto(invitationPath);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Join alice@example.com");
    await checkPage(page, "invitation");
    await page.getByRole("button", { name: "Join alice@example.com" }).click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
    await expect(page.getByText("for alice@example.com (developer)")).toBeVisible();
  });

  let key = "";
  await test.step("Carol makes an API key for the team and calls the API with it", async () => {
    await page.goto("/dashboard/api");
    await page.getByLabel("Key name").fill(KEY_NAME);
    await page.getByRole("button", { name: "Create key" }).click();
    key = (await page.getByTestId("new-key-value").textContent()) ?? "";
    expect(key).toMatch(/^tg_test_/);
    const withKey = { headers: { authorization: `Bearer ${key}` } };
    const list = await request.get("/api/v1/widgets", withKey);
    expect(list.status()).toBe(200);
    // The key is the team's: Alice sees it on her own API page.
    await alice.goto("/dashboard/api");
    await expect(alice.getByTestId("keys")).toContainText(KEY_NAME);
  });

  await test.step("Carol cannot reach billing or manage members in Alice's team", async () => {
    await page.goto("/dashboard/billing");
    await expect(page.getByTestId("billing-role")).toContainText(
      "Only the team's owners and billing members",
    );
    await expect(page.getByRole("button", { name: "Manage billing" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /^Upgrade to/ })).toHaveCount(0);
    await page.goto("/dashboard/team");
    await expect(page.getByRole("form", { name: "Invite a teammate" })).toHaveCount(0);
    await expect(page.getByRole("form", { name: "Name the team" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /^Remove/ })).toHaveCount(0);

    // The page rendered while she was an owner still offers the button: the server action refuses it.
    await staleBilling.getByRole("button", { name: "Manage billing" }).click();
    await expect(
      staleBilling.getByText("As developer of this team you cannot manage billing. Ask an owner."),
    ).toBeVisible();
    expect(new URL(staleBilling.url()).pathname).toBe("/dashboard/billing");
  });

  await test.step("Alice names the team; Carol sees the name in her team menu", async () => {
    const form = alice.getByRole("form", { name: "Name the team" });
    await alice.goto("/dashboard/team");
    await form.getByLabel("Name").fill("Acme Robotics");
    await form.getByRole("button", { name: "Save name" }).click();
    await expect(toasts(alice)).toContainText("The team is now called Acme Robotics.");
    await expect(alice.getByTestId("team-name")).toHaveText("Acme Robotics");
    await page.goto("/dashboard");
    await expect(page.getByText("for Acme Robotics (developer)")).toBeVisible();
  });

  await test.step("Carol switches back to her own team; the team's key keeps working", async () => {
    await page.goto("/dashboard");
    await page.getByLabel("Team", { exact: true }).selectOption({ label: "carol@example.com (owner)" });
    await page.getByRole("button", { name: "Switch" }).click();
    await expect(page.getByText("for carol@example.com (owner)")).toBeVisible();
    await page.goto("/dashboard/api");
    await expect(page.locator("body")).not.toContainText(KEY_NAME);
    const list = await request.get("/api/v1/widgets", { headers: { authorization: `Bearer ${key}` } });
    expect(list.status()).toBe(200);
  });

  await test.step("Alice removes Carol after confirming; Carol's link no longer works", async () => {
    await alice.goto("/dashboard/team");
    const row = alice.getByTestId("members").getByRole("row").filter({ hasText: "carol@example.com" });
    await expect(row).toContainText("Developer");
    await row.getByRole("button", { name: /^Remove/ }).click();
    await alice.getByRole("alertdialog").getByRole("button", { name: "Remove" }).click();
    await expect(toasts(alice)).toContainText("carol@example.com is no longer a member");
    await expect(alice.getByTestId("members")).not.toContainText("carol@example.com");

    await page.goto("/dashboard");
    await expect(page.getByRole("form", { name: "Switch team" })).toHaveCount(0);
    await page.goto(invitationPath);
    await expect(page.locator('[data-code="ERR_INVITATION_USED"]')).toContainText("already been accepted");
  });
});
