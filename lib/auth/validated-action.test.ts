import { redirect } from "next/navigation";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { log } from "@/lib/log";
import { AuthError } from "./errors";
import type { Role } from "@/lib/teams/roles";
import { authorizeAccount, noInput, repeatedField, validatedActionFor } from "./validated-action";

const PERSON = { customerId: "cus_1" };
const identify = async () => PERSON;
const failure = { event: "test.action_failed", message: "It did not work. Try again." };

/** A form's fields as a query string: "name=a&scopes=read&scopes=write". */
const form = (fields: string) => {
  const data = new FormData();
  for (const [key, value] of new URLSearchParams(fields)) data.append(key, value);
  return data;
};

const clientInput = z.object({
  name: z.string().trim().min(1, "Give the client a name."),
  scopes: repeatedField(z.array(z.string()).min(1, "Choose at least one scope.")),
});
const echo = validatedActionFor(
  identify,
  clientInput,
  async (input, person) => ({ status: "ok", input, person }),
  failure,
);

describe("validatedActionFor: input", () => {
  it.each([
    ["one checkbox", "name=a&scopes=read", { name: "a", scopes: ["read"] }],
    ["several checkboxes", "name=+a+&scopes=read&scopes=write", { name: "a", scopes: ["read", "write"] }],
    [
      "fields the schema does not name are dropped",
      "name=a&scopes=read&extra=x",
      { name: "a", scopes: ["read"] },
    ],
  ])("%s", async (_case, fields, input) => {
    await expect(echo(undefined, form(fields))).resolves.toEqual({ status: "ok", input, person: PERSON });
  });

  it.each([
    ["no checkbox", "name=a", "Choose at least one scope."],
    ["a blank name", "name=++&scopes=read", "Give the client a name."],
    ["two problems: the first in field order", "name=", "Give the client a name."],
  ])("refuses %s with the schema's message", async (_case, fields, message) => {
    await expect(echo(undefined, form(fields))).resolves.toEqual({ status: "error", message });
  });

  it("runs an action without input when called with no arguments", async () => {
    const action = validatedActionFor(
      identify,
      noInput,
      async (_input, person) => person.customerId,
      failure,
    );
    await expect(action()).resolves.toBe("cus_1");
  });
});

describe("validatedActionFor: the one error path", () => {
  it("answers an AuthError with its message and code", async () => {
    const action = validatedActionFor(
      identify,
      noInput,
      async () => {
        throw new AuthError("ERR_TOO_MANY_CLIENTS", "You have 10 clients, the most allowed.");
      },
      failure,
    );
    await expect(action()).resolves.toEqual({
      status: "error",
      code: "ERR_TOO_MANY_CLIENTS",
      message: "You have 10 clients, the most allowed.",
    });
  });

  it("answers any other error with the failure message, never the error's own text, and logs it", async () => {
    const logged = vi.spyOn(log, "error").mockImplementation(() => {});
    const action = validatedActionFor(
      identify,
      noInput,
      async () => {
        throw new Error("connection to 10.0.0.5 refused");
      },
      failure,
    );
    await expect(action()).resolves.toEqual({ status: "error", message: failure.message });
    expect(logged).toHaveBeenCalledWith("test.action_failed", {
      error: "Error: connection to 10.0.0.5 refused",
    });
    logged.mockRestore();
  });

  it("lets a redirect from the action through", async () => {
    const action = validatedActionFor(
      identify,
      noInput,
      async () => redirect("https://checkout.example/s"),
      failure,
    );
    await expect(action()).rejects.toMatchObject({ digest: expect.stringContaining("NEXT_REDIRECT") });
  });

  it("identifies the person before reading the input, and lets its refusal through", async () => {
    const signedOut = async () => redirect("/auth/login");
    let ran = false;
    const action = validatedActionFor(signedOut, clientInput, async () => (ran = true), failure);
    await expect(action(undefined, form(""))).rejects.toMatchObject({
      digest: expect.stringContaining("NEXT_REDIRECT"),
    });
    expect(ran).toBe(false);
  });
});

describe("validatedActionFor: authorize", () => {
  const member = (role: Role) => async () => ({ customerId: "cus_1", role });

  it.each([
    ["developer", "billing:manage"],
    ["billing", "keys:manage"],
    ["admin", "billing:manage"],
    ["developer", "members:manage"],
  ] as const)(
    "refuses a %s an action that needs %s, before the input or the action",
    async (role, permission) => {
      let ran = false;
      const action = validatedActionFor(member(role), clientInput, async () => (ran = true), {
        ...failure,
        authorize: (account) => authorizeAccount(account, permission),
      });
      await expect(action(undefined, form(""))).resolves.toMatchObject({
        status: "error",
        code: "ERR_PERMISSION_DENIED",
        message: expect.stringContaining(`As ${role} of this team you cannot`),
      });
      expect(ran).toBe(false);
    },
  );

  it.each([
    ["owner", "billing:manage"],
    ["developer", "keys:manage"],
    ["billing", null],
  ] as const)("lets a %s through to an action that needs %s", async (role, permission) => {
    const action = validatedActionFor(member(role), noInput, async () => "ran", {
      ...failure,
      authorize: (account) => authorizeAccount(account, permission),
    });
    await expect(action()).resolves.toBe("ran");
  });
});
