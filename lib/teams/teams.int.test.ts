/**
 * Teams on a real database (PGlite, or PostgreSQL with DATABASE_URL), the accounts opened as a first
 * sign-in opens them (ensureStripeCustomer against the Stripe sandbox): every refusal of lib/teams,
 * and that a member of one team reaches nothing of another's.
 */
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeSandbox, type StripeSandbox } from "@tollgate/stripe-sandbox";
import { sdkFor } from "@tollgate/stripe-sandbox/testing";
import { resolveCustomer } from "@/lib/api/resolve-customer";
import { issueApiKey, revokeApiKey } from "@/lib/auth/api-keys";
import { authorizeAccount, validatedActionFor } from "@/lib/auth/validated-action";
import { ensureStripeCustomer } from "@/lib/billing/ensure-stripe-customer";
import type { Database } from "@/lib/db";
import { resetProcessState } from "@/lib/process-state";
import { createMigratedDatabase, type TestDatabase } from "@/test/database";
import { setAppDatabase } from "@/test/process-state";
import { z } from "zod";
import { loadActiveTeam, type ActiveTeam } from "./active-team";
import type { TeamActor } from "./actor";
import {
  acceptInvitation,
  createInvitation,
  findInvitation,
  hashInvitationToken,
  INVITATION_TTL_MS,
  listPendingInvitations,
  type IssuedInvitation,
  resendInvitation,
  revokeInvitation,
} from "./invitations";
import { changeMemberRole, listMembers, removeMember, renameTeam, switchTeam } from "./members";
import type { Role } from "./roles";

let sandbox: StripeSandbox;
let stripe: Stripe;
let database: TestDatabase & { db: Database };
let db: Database;
let serial = 0;

beforeAll(async () => {
  [sandbox, database] = await Promise.all([createStripeSandbox({ port: 0 }), createMigratedDatabase()]);
  stripe = sdkFor(sandbox);
  db = database.db;
  setAppDatabase(db);
});
afterAll(async () => {
  resetProcessState();
  await sandbox.close();
  await database.destroy();
});

/** A person signing in for the first time: their own team of one. */
async function signUp(name: string): Promise<ActiveTeam & { auth0UserId: string; email: string }> {
  serial += 1;
  const auth0UserId = `auth0|${name}-${serial}`;
  const email = `${name}-${serial}@example.com`;
  await ensureStripeCustomer(db, stripe, { auth0UserId, email, name });
  return { ...(await loadActiveTeam(db, auth0UserId)), auth0UserId, email };
}

const actorOf = (team: Pick<ActiveTeam, "userId" | "customerId" | "role">): TeamActor => ({
  userId: team.userId,
  customerId: team.customerId,
  role: team.role,
});

/** `person` joins `owner`'s team with `role` through an invitation, and acts for it. */
async function join(
  owner: ActiveTeam,
  person: { userId: string; email: string; auth0UserId: string },
  role: Role,
) {
  const { token } = await createInvitation(db, actorOf(owner), { email: person.email, role });
  await acceptInvitation(db, person, token);
  return loadActiveTeam(db, person.auth0UserId);
}

describe("a first sign-in", () => {
  it("makes the person owner of a team of one, which is their active team", async () => {
    const alice = await signUp("alice");
    expect(alice.role).toBe("owner");
    expect(alice.teams).toEqual([{ customerId: alice.customerId, name: alice.email, role: "owner" }]);
    expect(await db.membership.count({ where: { customerId: alice.customerId } })).toBe(1);
  });

  it("gives a user row from before teams (no membership anywhere) the ownership of its customer", async () => {
    const customer = await db.customer.create({
      data: { email: "legacy@example.com", stripeCustomerId: "cus_legacy" },
    });
    await db.user.create({
      data: { auth0UserId: "auth0|legacy", email: "legacy@example.com", customerId: customer.id },
    });
    const team = await loadActiveTeam(db, "auth0|legacy");
    expect(team).toMatchObject({ customerId: customer.id, role: "owner" });
  });
});

describe("invitations", () => {
  it("lets a person join with the invited role, act for the team, and keep their own", async () => {
    const alice = await signUp("alice");
    const carol = await signUp("carol");
    const invitation = await createInvitation(db, actorOf(alice), {
      email: carol.email.toUpperCase(),
      role: "developer",
    });
    expect(invitation.email).toBe(carol.email);
    expect(invitation.expiresAt.getTime() - invitation.createdAt.getTime()).toBe(INVITATION_TTL_MS);
    const stored = await db.invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(stored.tokenHash).toBe(hashInvitationToken(invitation.token));
    expect(stored.tokenHash).not.toContain(invitation.token);

    await acceptInvitation(db, carol, invitation.token);
    const team = await loadActiveTeam(db, carol.auth0UserId);
    expect(team).toMatchObject({ customerId: alice.customerId, role: "developer" });
    expect(team.teams.map((choice) => choice.customerId).sort()).toEqual(
      [alice.customerId, carol.customerId].sort(),
    );
    expect((await listMembers(db, actorOf(alice))).map((member) => [member.email, member.role])).toEqual([
      [alice.email, "owner"],
      [carol.email, "developer"],
    ]);
    expect(await listPendingInvitations(db, actorOf(alice))).toEqual([]);
  });

  it("refuses another signed-in person (wrong email), and the invitation still works for the invited", async () => {
    const alice = await signUp("alice");
    const carol = await signUp("carol");
    const mallory = await signUp("mallory");
    const { token } = await createInvitation(db, actorOf(alice), { email: carol.email, role: "admin" });
    await expect(acceptInvitation(db, mallory, token)).rejects.toMatchObject({
      code: "ERR_INVITATION_WRONG_EMAIL",
    });
    expect(
      await db.membership.count({ where: { userId: mallory.userId, customerId: alice.customerId } }),
    ).toBe(0);
    expect((await loadActiveTeam(db, mallory.auth0UserId)).customerId).toBe(mallory.customerId);
    await acceptInvitation(db, carol, token);
  });

  it("refuses an expired, a revoked, a used and an unknown link", async () => {
    const alice = await signUp("alice");
    const carol = await signUp("carol");
    const now = new Date();
    const expired = await createInvitation(
      db,
      actorOf(alice),
      { email: carol.email, role: "developer" },
      now,
    );
    const later = new Date(now.getTime() + INVITATION_TTL_MS);
    await expect(acceptInvitation(db, carol, expired.token, later)).rejects.toMatchObject({
      code: "ERR_INVITATION_EXPIRED",
    });

    const revoked = await createInvitation(db, actorOf(alice), { email: carol.email, role: "developer" });
    await revokeInvitation(db, actorOf(alice), revoked.id);
    await expect(acceptInvitation(db, carol, revoked.token)).rejects.toMatchObject({
      code: "ERR_INVITATION_REVOKED",
    });

    const used = await createInvitation(db, actorOf(alice), { email: carol.email, role: "billing" });
    await acceptInvitation(db, carol, used.token);
    await expect(acceptInvitation(db, carol, used.token)).rejects.toMatchObject({
      code: "ERR_INVITATION_USED",
    });
    await expect(findInvitation(db, "not-a-token")).rejects.toMatchObject({
      code: "ERR_INVITATION_NOT_FOUND",
    });
    expect(await db.membership.count({ where: { customerId: alice.customerId } })).toBe(2);
  });

  it("accepts a link once when two tabs accept it at the same time", async () => {
    const alice = await signUp("alice");
    const carol = await signUp("carol");
    const { token } = await createInvitation(db, actorOf(alice), { email: carol.email, role: "developer" });
    const results = await Promise.allSettled([
      acceptInvitation(db, carol, token),
      acceptInvitation(db, carol, token),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    expect(results.find((result) => result.status === "rejected")).toMatchObject({
      reason: { code: "ERR_INVITATION_USED" },
    });
  });

  it("replaces an earlier pending invitation of the same address, and a resend replaces the link", async () => {
    const alice = await signUp("alice");
    const carol = await signUp("carol");
    const first = await createInvitation(db, actorOf(alice), { email: carol.email, role: "developer" });
    const second = await createInvitation(db, actorOf(alice), { email: carol.email, role: "billing" });
    await expect(findInvitation(db, first.token)).rejects.toMatchObject({ code: "ERR_INVITATION_REVOKED" });
    const resent = await resendInvitation(db, actorOf(alice), second.id);
    await expect(findInvitation(db, second.token)).rejects.toMatchObject({ code: "ERR_INVITATION_REVOKED" });
    await expect(findInvitation(db, resent.token)).resolves.toMatchObject({
      email: carol.email,
      role: "billing",
    });
    expect((await listPendingInvitations(db, actorOf(alice))).map((pending) => pending.id)).toEqual([
      resent.id,
    ]);
  });

  it("records the invitation's email in the transaction that issues it: both commit, or neither", async () => {
    const { recordInvitationEmail } = await import("@/lib/email/invitation");
    const { createMailer } = await import("@/lib/email/mailer");
    // Recording needs a relay configured; nothing is sent here (the action sends after the commit).
    const mailer = createMailer({ smtpUrl: "smtp://127.0.0.1:1", from: "t@example.com", requireTls: false });
    const alice = await signUp("alice");
    const carol = `carol-${serial}@example.com`;
    const record = (tx: Parameters<typeof recordInvitationEmail>[0], issued: IssuedInvitation) =>
      recordInvitationEmail(
        tx,
        { ...issued, role: "Developer", link: `https://app.example.com/invitations/${issued.token}` },
        { customerId: alice.customerId, inviterName: "Alice" },
        mailer,
      );

    const failing = new Error("the process died before the commit");
    await expect(
      createInvitation(
        db,
        actorOf(alice),
        { email: carol, role: "developer" },
        undefined,
        async (tx, issued) => {
          await record(tx, issued);
          throw failing;
        },
      ),
    ).rejects.toBe(failing);
    expect(await listPendingInvitations(db, actorOf(alice))).toEqual([]);
    expect(await db.emailMessage.count({ where: { customerId: alice.customerId } })).toBe(0);

    const issued = await createInvitation(
      db,
      actorOf(alice),
      { email: carol, role: "developer" },
      undefined,
      async (tx, invitation) => {
        expect(await record(tx, invitation)).toMatchObject({ cause: `invitation:${invitation.id}` });
      },
    );
    const row = await db.emailMessage.findUniqueOrThrow({ where: { cause: `invitation:${issued.id}` } });
    expect(row).toMatchObject({ kind: "invitation", to: carol, sentAt: null, attempts: 1 });
    expect(row.text).toContain(`/invitations/${issued.token}`);
  });

  it("refuses inviting a member again", async () => {
    const alice = await signUp("alice");
    const carol = await signUp("carol");
    await join(alice, carol, "developer");
    await expect(
      createInvitation(db, actorOf(alice), { email: carol.email, role: "admin" }),
    ).rejects.toMatchObject({
      code: "ERR_ALREADY_A_MEMBER",
    });
  });
});

describe("wrong role", () => {
  it.each(["developer", "billing"] as const)(
    "a %s cannot invite, change roles, remove or revoke",
    async (role) => {
      const alice = await signUp("alice");
      const carol = await signUp("carol");
      const bob = await signUp("bob");
      const member = await join(alice, carol, role);
      await join(alice, bob, "developer");
      const pending = await createInvitation(db, actorOf(alice), {
        email: "dave@example.com",
        role: "developer",
      });
      const actor = actorOf(member);
      const refusals = [
        createInvitation(db, actor, { email: "eve@example.com", role: "developer" }),
        changeMemberRole(db, actor, { userId: bob.userId, role: "billing" }),
        changeMemberRole(db, actor, { userId: carol.userId, role: "owner" }),
        removeMember(db, actor, bob.userId),
        revokeInvitation(db, actor, pending.id),
        resendInvitation(db, actor, pending.id),
        renameTeam(db, actor, "Taken over"),
      ];
      for (const refusal of refusals)
        await expect(refusal).rejects.toMatchObject({ code: "ERR_PERMISSION_DENIED" });
      expect((await listMembers(db, actorOf(alice))).map((m) => m.role).sort()).toEqual(
        ["developer", "owner", role].sort(),
      );
      expect(await listPendingInvitations(db, actorOf(alice))).toHaveLength(1);
      expect((await loadActiveTeam(db, alice.auth0UserId)).teamName).toBe(alice.email);
    },
  );

  it("owners and admins name the team, which every member then sees; no name shows its email", async () => {
    const alice = await signUp("alice");
    const carol = await signUp("carol");
    const dave = await signUp("dave");
    const admin = await join(alice, carol, "admin");
    const developer = await join(alice, dave, "developer");
    expect(await renameTeam(db, actorOf(alice), "Acme Robotics")).toBe("Acme Robotics");
    expect((await loadActiveTeam(db, dave.auth0UserId)).teamName).toBe("Acme Robotics");
    expect(await renameTeam(db, actorOf(admin), "Acme")).toBe("Acme");
    expect((await loadActiveTeam(db, alice.auth0UserId)).teamName).toBe("Acme");
    await expect(renameTeam(db, actorOf(developer), "Dave's")).rejects.toMatchObject({
      code: "ERR_PERMISSION_DENIED",
    });
    expect(await renameTeam(db, actorOf(alice), null)).toBe(alice.email);
    // Carol's own team is untouched by what she did as Alice's admin.
    const own = await db.customer.findFirstOrThrow({ where: { email: carol.email } });
    expect(own.name).toBeNull();
  });

  it("an admin manages members but neither invites, promotes nor removes an owner", async () => {
    const alice = await signUp("alice");
    const carol = await signUp("carol");
    const bob = await signUp("bob");
    const admin = actorOf(await join(alice, carol, "admin"));
    await expect(
      createInvitation(db, admin, { email: "o@example.com", role: "owner" }),
    ).rejects.toMatchObject({
      code: "ERR_PERMISSION_DENIED",
    });
    await join(alice, bob, "developer");
    await expect(changeMemberRole(db, admin, { userId: bob.userId, role: "owner" })).rejects.toMatchObject({
      code: "ERR_PERMISSION_DENIED",
    });
    await expect(
      changeMemberRole(db, admin, { userId: alice.userId, role: "developer" }),
    ).rejects.toMatchObject({
      code: "ERR_PERMISSION_DENIED",
    });
    await expect(removeMember(db, admin, alice.userId)).rejects.toMatchObject({
      code: "ERR_PERMISSION_DENIED",
    });
    await expect(changeMemberRole(db, admin, { userId: bob.userId, role: "billing" })).resolves.toMatchObject(
      {
        role: "billing",
      },
    );
    await removeMember(db, admin, bob.userId);
    expect((await listMembers(db, actorOf(alice))).map((m) => m.email)).toEqual([alice.email, carol.email]);
  });

  it.each([
    ["billing", "keys:manage", "ERR_PERMISSION_DENIED"],
    ["developer", "billing:manage", "ERR_PERMISSION_DENIED"],
    ["developer", "members:manage", "ERR_PERMISSION_DENIED"],
    ["admin", "billing:manage", "ERR_PERMISSION_DENIED"],
    ["developer", "keys:manage", null],
    ["billing", "billing:manage", null],
  ] as const)(
    "a server action refuses a %s what needs %s before it reads input or runs",
    async (role, permission, code) => {
      const alice = await signUp("alice");
      const carol = await signUp("carol");
      await join(alice, carol, role);
      let ran = false;
      // The wrapper the dashboard's actions use (validatedActionWithAccount), with the team loaded as
      // requireAccount loads it instead of from a session cookie.
      const action = validatedActionFor(
        () => loadActiveTeam(db, carol.auth0UserId),
        z.object({ name: z.string("Give it a name.").min(1, "Give it a name.") }),
        async (_input, team) => {
          ran = true;
          return issueApiKey(db, team.customerId, { name: "k", scopes: ["get:widgets"] });
        },
        { event: "test.failed", message: "failed", authorize: (team) => authorizeAccount(team, permission) },
      );
      const result = await action(undefined, new FormData());
      if (code) {
        expect(result).toMatchObject({ status: "error", code });
        expect(ran).toBe(false);
      } else {
        expect(result).toEqual({ status: "error", message: "Give it a name." });
      }
      expect(await db.apiKey.count({ where: { customerId: alice.customerId } })).toBe(0);
    },
  );
});

describe("wrong team", () => {
  it("a member of one team reaches no member, invitation or key of another", async () => {
    const alice = await signUp("alice");
    const bob = await signUp("bob");
    const carol = await signUp("carol");
    await join(bob, carol, "developer");
    const bobs = actorOf(bob);
    const invitation = await createInvitation(db, bobs, { email: "dave@example.com", role: "developer" });
    const { apiKey } = await issueApiKey(db, bob.customerId, { name: "Bob's", scopes: ["get:widgets"] });

    const alices = actorOf(alice);
    await expect(changeMemberRole(db, alices, { userId: carol.userId, role: "owner" })).rejects.toMatchObject(
      {
        code: "ERR_MEMBER_NOT_FOUND",
      },
    );
    await expect(removeMember(db, alices, carol.userId)).rejects.toMatchObject({
      code: "ERR_MEMBER_NOT_FOUND",
    });
    await expect(removeMember(db, alices, bob.userId)).rejects.toMatchObject({
      code: "ERR_MEMBER_NOT_FOUND",
    });
    await expect(revokeInvitation(db, alices, invitation.id)).rejects.toMatchObject({
      code: "ERR_INVITATION_NOT_FOUND",
    });
    await expect(resendInvitation(db, alices, invitation.id)).rejects.toMatchObject({
      code: "ERR_INVITATION_NOT_FOUND",
    });
    await expect(revokeApiKey(db, alice.customerId, apiKey.id)).rejects.toMatchObject({
      code: "ERR_KEY_NOT_FOUND",
    });

    expect(await listPendingInvitations(db, bobs)).toHaveLength(1);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).revokedAt).toBeNull();
    expect((await listMembers(db, bobs)).map((member) => member.role)).toEqual(["owner", "developer"]);
  });

  it("refuses switching to a team one is not a member of", async () => {
    const alice = await signUp("alice");
    const bob = await signUp("bob");
    await expect(switchTeam(db, alice.userId, bob.customerId)).rejects.toMatchObject({
      code: "ERR_NOT_A_MEMBER",
    });
    expect((await loadActiveTeam(db, alice.auth0UserId)).customerId).toBe(alice.customerId);
  });

  it("switches between one's teams, and the API acts for the active one", async () => {
    const alice = await signUp("alice");
    const carol = await signUp("carol");
    await join(alice, carol, "developer");
    resetProcessState();
    setAppDatabase(db);
    const caller = { subject: carol.auth0UserId, kind: "person" as const };
    expect(await resolveCustomer(db, caller)).toBe(alice.customerId);
    await switchTeam(db, carol.userId, carol.customerId);
    expect(await loadActiveTeam(db, carol.auth0UserId)).toMatchObject({
      customerId: carol.customerId,
      role: "owner",
    });
    resetProcessState();
    setAppDatabase(db);
    expect(await resolveCustomer(db, caller)).toBe(carol.customerId);
  });
});

describe("owners", () => {
  it("the last owner can neither leave nor be demoted; with a second owner both can", async () => {
    const alice = await signUp("alice");
    const carol = await signUp("carol");
    const owner = actorOf(alice);
    await expect(removeMember(db, owner, alice.userId)).rejects.toMatchObject({ code: "ERR_LAST_OWNER" });
    await expect(changeMemberRole(db, owner, { userId: alice.userId, role: "admin" })).rejects.toMatchObject({
      code: "ERR_LAST_OWNER",
    });
    await join(alice, carol, "owner");
    await changeMemberRole(db, owner, { userId: alice.userId, role: "admin" });
    await expect(
      changeMemberRole(db, actorOf(await loadActiveTeam(db, carol.auth0UserId)), {
        userId: carol.userId,
        role: "billing",
      }),
    ).rejects.toMatchObject({ code: "ERR_LAST_OWNER" });
  });

  it("two owners demoting each other at the same time leave one owner", async () => {
    const alice = await signUp("alice");
    const carol = await signUp("carol");
    const carolInAlices = await join(alice, carol, "owner");
    const results = await Promise.allSettled([
      changeMemberRole(db, actorOf(alice), { userId: carol.userId, role: "developer" }),
      changeMemberRole(db, actorOf(carolInAlices), { userId: alice.userId, role: "developer" }),
    ]);
    expect(results.filter((result) => result.status === "rejected")).toHaveLength(1);
    expect(await db.membership.count({ where: { customerId: alice.customerId, role: "owner" } })).toBe(1);
  });

  it("a removed member acts for their own team again, and the API no longer acts for the old one", async () => {
    const alice = await signUp("alice");
    const carol = await signUp("carol");
    await join(alice, carol, "developer");
    await removeMember(db, actorOf(alice), carol.userId);
    expect(await loadActiveTeam(db, carol.auth0UserId)).toMatchObject({
      customerId: carol.customerId,
      role: "owner",
    });
    resetProcessState();
    setAppDatabase(db);
    expect(await resolveCustomer(db, { subject: carol.auth0UserId, kind: "person" })).toBe(carol.customerId);
  });

  it("a person whose active team dropped them (the row still names it) falls back to their own", async () => {
    const alice = await signUp("alice");
    const carol = await signUp("carol");
    await join(alice, carol, "developer");
    await db.membership.delete({
      where: { userId_customerId: { userId: carol.userId, customerId: alice.customerId } },
    });
    resetProcessState();
    setAppDatabase(db);
    expect(await resolveCustomer(db, { subject: carol.auth0UserId, kind: "person" })).toBeNull();
    expect(await loadActiveTeam(db, carol.auth0UserId)).toMatchObject({
      customerId: carol.customerId,
      role: "owner",
    });
  });

  it("a member may leave a team (no permission needed), not another member", async () => {
    const alice = await signUp("alice");
    const carol = await signUp("carol");
    const member = await join(alice, carol, "billing");
    await removeMember(db, actorOf(member), carol.userId);
    expect((await listMembers(db, actorOf(alice))).map((m) => m.email)).toEqual([alice.email]);
  });
});
