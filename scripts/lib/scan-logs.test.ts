import { describe, expect, it } from "vitest";
import { countLogLines, scanLog } from "./scan-logs";

const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhdXRoMHwxIn0.c2lnbmF0dXJlYnl0ZXM";
const jwe = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXZhbHVlMTIz.Y2lwaGVydGV4dHg.dGFnZ2luZ3RhZw";

describe("scanLog", () => {
  it("finds credential shapes and names only their kind and line", () => {
    const text = [
      '{"level":"info","event":"ok"}',
      `{"level":"error","error":"bad ${jwt}"}`,
      `cookie appSession=${jwe}`,
      "Authorization: Bearer abcdefghijklmnopqrstuvwxyz",
      "Authorization: Basic ZGVtby1yZWFkZXI6ZGVtby1yZWFkZXItc2VjcmV0",
      "key sk_test_51HabcdefghijklmnopQRST",
      `stripe-signature: t=1700000000,v1=${"a".repeat(64)}`,
      '{"id":"evt_1","object":"event","data":{}}',
    ].join("\n");
    const findings = scanLog("server.log", text, []);
    expect(findings.map((finding) => [finding.line, finding.kind])).toEqual([
      [2, "JWT (JWS or JWE)"],
      [3, "JWT (JWS or JWE)"],
      [4, "Authorization credentials"],
      [5, "Authorization credentials"],
      [6, "Stripe secret key"],
      [7, "Stripe-Signature header"],
      [8, "Stripe webhook body"],
    ]);
    expect(JSON.stringify(findings)).not.toContain("abcdefghijklmnop");
  });

  it("finds known secrets and skips ones too short to search for", () => {
    const findings = scanLog("vitest.log", "client secret was s3cr3t-client-value\nuser bob", [
      { name: "machine client secret", value: "s3cr3t-client-value" },
      { name: "too short", value: "bob" },
    ]);
    expect(findings).toEqual([{ file: "vitest.log", line: 1, kind: "machine client secret" }]);
  });

  it("passes ordinary log lines and documentation text", () => {
    const text = [
      '{"level":"info","event":"gate.denied","requestId":"6f1c","code":"invalid_token"}',
      "Send Authorization: Bearer <CRON_SECRET>.",
      '{"event":"stripe.webhook_applied","eventId":"evt_123","type":"invoice.paid"}',
    ].join("\n");
    expect(scanLog("server.log", text, [])).toEqual([]);
  });
});

describe("countLogLines", () => {
  it("counts structured lines and those carrying a request id, ignoring other output", () => {
    const text = [
      '{"level":"info","time":"t","event":"gate.denied","requestId":"r1"}',
      'stdout | file.test.ts > {"level":"warn","event":"stripe.webhook_rejected"}',
      "✓ some test",
      '{"level":"info"',
    ].join("\n");
    expect(countLogLines(text)).toEqual({ lines: 2, withRequestId: 1 });
  });
});
