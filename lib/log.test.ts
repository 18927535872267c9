import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, scrub, withLogContext } from "./log";

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger("debug", destination), lines, text: () => JSON.stringify(lines) };
}

const jwt =
  "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhdXRoMHwxMjMiLCJhdWQiOiJhcGkifQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";

describe("log", () => {
  it("writes one JSON line with level, time and event", () => {
    const { logger, lines } = capture();
    logger.info({ operation: "widgets.list" }, "gate.denied");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "info", event: "gate.denied", operation: "widgets.list" });
    expect(new Date(String(lines[0]?.time)).getTime()).not.toBeNaN();
  });

  it("puts the request id on every line logged inside a request context", async () => {
    const { logger, lines } = capture();
    await withLogContext({ requestId: "req-1" }, async () => {
      logger.info({}, "first");
      await Promise.resolve();
      logger.warn({ extra: 1 }, "second");
    });
    logger.info({}, "outside");
    expect(lines.map((line) => line.requestId)).toEqual(["req-1", "req-1", undefined]);
  });

  it("redacts secret-named fields at the top level and one level down", () => {
    const { logger, text } = capture();
    logger.error(
      {
        authorization: `Bearer ${jwt}`,
        client_secret: "s3cr3t-value-1",
        headers: { authorization: "Basic dXNlcjpwYXNz", cookie: "appSession=abc123456789" },
        body: '{"object":"event","data":{}}',
      },
      "test.secrets",
    );
    expect(text()).not.toMatch(/s3cr3t-value-1|dXNlcjpwYXNz|abc123456789|"object"|eyJ/);
    expect(text()).toContain("[redacted]");
  });

  it("scrubs credentials inside free-text values such as error messages", () => {
    const { logger, text } = capture();
    logger.error(
      { error: `fetch failed with header Authorization: Bearer ${jwt} and key sk_test_51Habcdefghijkl` },
      "test.error",
    );
    expect(text()).not.toContain(jwt);
    expect(text()).not.toContain("sk_test_51Habcdefghijkl");
    expect(text()).toContain("fetch failed with header");
  });

  it("scrubs API keys but keeps their visible start", () => {
    const { logger, text } = capture();
    const key = `tg_live_${"4f9Qx2Lm".repeat(5)}abc`;
    logger.warn({ note: `key ${key} refused; shown as tg_live_4f9Qx2Lm` }, "test.key");
    expect(text()).not.toContain(key);
    expect(text()).toContain("shown as tg_live_4f9Qx2Lm");
  });

  it("leaves ordinary values alone", () => {
    expect(scrub("customer cus_123 on plan pro, request 6f1c")).toBe(
      "customer cus_123 on plan pro, request 6f1c",
    );
    expect(scrub(`token ${jwt}`)).toBe("token [redacted]");
    expect(scrub("whsec_abcdefghijklmnop")).toBe("[redacted]");
  });
});
