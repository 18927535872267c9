/**
 * The log scan at the end of `npm test`: the logs of the whole run (the app's lines printed by the
 * unit and integration tests, and the e2e server's output) must hold no credential. It looks for the
 * shapes of credentials (JWS/JWE tokens, Authorization values, Stripe keys and signatures, webhook
 * bodies) and for every secret the run knew (configuration secrets, client secrets the issuer issued).
 * A finding names the file, line and kind, never the secret itself.
 */

export interface LogFinding {
  file: string;
  line: number;
  kind: string;
}

export interface KnownSecret {
  name: string;
  value: string;
}

const SHAPES: Array<{ kind: string; pattern: RegExp }> = [
  { kind: "JWT (JWS or JWE)", pattern: /eyJ[\w-]{8,}\.(?:eyJ)?[\w-]*\.[\w-]{8,}/ },
  { kind: "Authorization credentials", pattern: /\b(?:Bearer|Basic)\s+[\w~+/.=-]{16,}/ },
  { kind: "Stripe secret key", pattern: /\b(?:sk|rk)_(?:test|live)_[0-9A-Za-z]{16,}/ },
  { kind: "API key", pattern: /\btg_(?:test|live)_[0-9A-Za-z]{20,}/ },
  { kind: "Stripe-Signature header", pattern: /\bt=\d{9,},v1=[0-9a-f]{64}/ },
  { kind: "Stripe webhook body", pattern: /"object"\s*:\s*"event"/ },
];

/** Secrets shorter than this are not searched for: they would match ordinary words. */
const MIN_SECRET_LENGTH = 8;

export function scanLog(file: string, text: string, secrets: KnownSecret[]): LogFinding[] {
  const searched = secrets.filter((secret) => secret.value.length >= MIN_SECRET_LENGTH);
  const findings: LogFinding[] = [];
  text.split("\n").forEach((content, index) => {
    for (const { kind, pattern } of SHAPES) {
      if (pattern.test(content)) findings.push({ file, line: index + 1, kind });
    }
    for (const secret of searched) {
      if (content.includes(secret.value)) findings.push({ file, line: index + 1, kind: secret.name });
    }
  });
  return findings;
}

/** Counts the app's structured log lines, so a scan of empty or unstructured logs cannot pass. */
export function countLogLines(text: string): { lines: number; withRequestId: number } {
  let lines = 0;
  let withRequestId = 0;
  for (const content of text.split("\n")) {
    const start = content.indexOf('{"level":');
    if (start < 0) continue;
    try {
      const line = JSON.parse(content.slice(start)) as Record<string, unknown>;
      if (typeof line.event !== "string") continue;
      lines += 1;
      if (typeof line.requestId === "string") withRequestId += 1;
    } catch {
      // not a log line
    }
  }
  return { lines, withRequestId };
}
