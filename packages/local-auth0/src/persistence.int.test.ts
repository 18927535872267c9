import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLocalIssuer } from "./create-local-issuer";
import { createGrantedClient, management, managementToken, requestToken, EXAMPLE_TENANT } from "./testing";

const dir = mkdtempSync(join(tmpdir(), "tollgate-issuer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("state file", () => {
  it("keeps created clients, grants, user metadata and signing keys across restarts", async () => {
    const stateFile = join(dir, "state.json");
    const first = await createLocalIssuer({ ...EXAMPLE_TENANT, port: 0, stateFile });
    const mgmt = await managementToken(first);
    const { tokenRequest } = await createGrantedClient(first, mgmt, {
      name: "Kept",
      audience: first.audience,
      scope: ["get:widgets"],
    });
    await management(first, mgmt, "PATCH", "users/auth0%7Calice", { app_metadata: { plan: "pro" } });
    const kid = first.currentKid();
    await first.close();
    expect(statSync(stateFile).mode & 0o077).toBe(0);

    const second = await createLocalIssuer({ ...EXAMPLE_TENANT, port: 0, stateFile });
    try {
      expect(second.currentKid()).toBe(kid);
      const token = await requestToken(second, tokenRequest);
      expect(token.status).toBe(200);
      const user = await management(second, await managementToken(second), "GET", "users/auth0%7Calice");
      expect(user.body).toMatchObject({ app_metadata: { plan: "pro" } });
      const grants = await management(second, await managementToken(second), "GET", "client-grants");
      // The seeded management grants are not duplicated by reloading.
      expect((grants.body as unknown[]).length).toBe(3);
    } finally {
      await second.close();
    }
  });
});
