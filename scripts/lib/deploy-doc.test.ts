import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { APP_SCOPES, SETUP_SCOPES } from "./auth0-tenant";
import {
  commandsOf,
  exportOf,
  machineToMachineScopes,
  parseDeployDoc,
  sectionOf,
  tableVariables,
} from "./deploy-doc";

const doc = parseDeployDoc(readFileSync("docs/deploy.md", "utf8"));

describe("docs/deploy.md as the rehearsal reads it", () => {
  it("has the five numbered steps with their shell blocks", () => {
    expect(doc.map((section) => section.number)).toEqual([1, 2, 3, 4, 5]);
    expect(doc.map((section) => section.blocks.length)).toEqual([2, 2, 2, 2, 3]);
    expect(sectionOf(doc, 1).blocks).toEqual([
      [
        "export DATABASE_URL='postgres://user:password@pooler-host:6543/tollgate?sslmode=require'",
        "export DATABASE_URL_UNPOOLED='postgres://user:password@direct-host:5432/tollgate?sslmode=require'",
        "npm run db:migrate          # applies every migration, over the direct URL",
        'npm run db:migrate          # the second run prints "up to date, no migration to apply"',
      ],
      ["export REDIS_URL='rediss://default:password@your-redis-host:6379'"],
    ]);
  });

  it("lists every Management API scope setup:auth0 and the app need, and no other", () => {
    expect(new Set(machineToMachineScopes(sectionOf(doc, 2)))).toEqual(
      new Set([...SETUP_SCOPES, ...APP_SCOPES]),
    );
  });

  it("lists in step 4 every variable the steps before export, and only those", () => {
    const exported = doc
      .filter((section) => section.number <= 4)
      .flatMap((section) => section.blocks.flat())
      .map((command) => exportOf(command)?.[0])
      .filter(Boolean);
    expect(new Set(tableVariables(sectionOf(doc, 4)))).toEqual(new Set(exported));
  });

  it("joins continued lines and keeps an indented block's commands", () => {
    expect(commandsOf(["# comment", "a \\", "  b", "", "c # note"])).toEqual(["a \\\n  b", "c # note"]);
    expect(sectionOf(doc, 3).blocks[1]).toEqual([
      "export STRIPE_WEBHOOK_SECRET=whsec_...              # the webhook endpoint's",
      "export STRIPE_EVENT_DESTINATION_SECRET=whsec_...    # the event destination's",
    ]);
    expect(exportOf("export A_B=x   # why")).toEqual(["A_B", "x"]);
    expect(exportOf("export A=$(openssl rand -hex 32)     # why")).toEqual(["A", "$(openssl rand -hex 32)"]);
    expect(exportOf("npm start")).toBeUndefined();
  });
});
