import { createTransport } from "nodemailer";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMailCatcher, type CaughtMessage, type MailCatcher } from "./index";

let catcher: MailCatcher;

beforeAll(async () => {
  catcher = await createMailCatcher();
});
afterAll(() => catcher.close());
beforeEach(() => catcher.clear());

function send(subject: string, extra: { html?: string; to?: string } = {}) {
  return createTransport({ url: catcher.smtpUrl }).sendMail({
    from: "Tollgate <no-reply@tollgate.local>",
    to: extra.to ?? "alice@example.com",
    subject,
    text: `Body of ${subject}`,
    html: extra.html,
    headers: { "X-Tollgate-Cause": `test:${subject}` },
  });
}

describe("mail catcher", () => {
  it("keeps what it receives over SMTP and lists it as JSON, newest first", async () => {
    await send("first");
    await send("second", { html: "<p>Second</p>", to: "bob@example.com, carol@example.com" });
    const response = await fetch(`${catcher.url}/messages`);
    expect(response.status).toBe(200);
    const { messages } = (await response.json()) as { messages: CaughtMessage[] };
    expect(messages.map((message) => message.subject)).toEqual(["second", "first"]);
    expect(messages[0]).toMatchObject({
      from: "no-reply@tollgate.local",
      to: ["bob@example.com", "carol@example.com"],
      text: "Body of second",
      html: "<p>Second</p>",
      headers: expect.objectContaining({ "x-tollgate-cause": "test:second" }),
    });
    expect(messages[1]?.html).toBeNull();
  });

  it("shows a page listing received mail with each message's body, escaped", async () => {
    await send("<b>Payment</b> failed");
    const [message] = catcher.messages();
    const list = await (await fetch(catcher.url)).text();
    expect(list).toContain("1 message received");
    expect(list).toContain(`<a href="/messages/${message?.id}">&lt;b&gt;Payment&lt;/b&gt; failed</a>`);
    expect(list).toContain("alice@example.com");
    const detail = await (await fetch(`${catcher.url}/messages/${message?.id}`)).text();
    expect(detail).toContain("Body of &lt;b&gt;Payment&lt;/b&gt; failed");
    expect(detail).toContain("test:&lt;b&gt;Payment&lt;/b&gt; failed");
  });

  it("serves a message's HTML part under a policy that runs no script, and JSON by id", async () => {
    await send("html", { html: "<p>Hello</p><script>alert(1)</script>" });
    const [message] = catcher.messages();
    const html = await fetch(`${catcher.url}/messages/${message?.id}/html`);
    expect(html.headers.get("content-security-policy")).toContain("script-src 'none'");
    expect(await html.text()).toContain("<p>Hello</p>");
    const json = await fetch(`${catcher.url}/messages/${message?.id}.json`);
    expect(((await json.json()) as CaughtMessage).subject).toBe("html");
    expect((await fetch(`${catcher.url}/messages/999`)).status).toBe(404);
  });

  it("waits for a message that has not arrived yet, and clears over HTTP", async () => {
    const waiting = catcher.waitFor((message) => message.subject === "later");
    await send("later");
    expect((await waiting).to).toEqual(["alice@example.com"]);
    expect((await fetch(`${catcher.url}/messages`, { method: "DELETE" })).status).toBe(204);
    expect(catcher.messages()).toEqual([]);
    await expect(catcher.waitFor(() => false, 50)).rejects.toThrow("no matching message within 50 ms");
  });

  it("refuses a port in use with the socket's error, so a caller can pick another", async () => {
    const port = Number(new URL(catcher.smtpUrl).port);
    await expect(createMailCatcher({ smtpPort: port })).rejects.toMatchObject({ code: "EADDRINUSE" });
    await send("still listening");
    expect(catcher.messages().map((message) => message.subject)).toEqual(["still listening"]);
  });
});
